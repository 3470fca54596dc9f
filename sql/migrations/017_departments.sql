-- The department that owns each facility (交警 / 交通 / 气象 / 应急 / …). The list is data: the
-- departments table, which imports validate against (and a foreign key enforces); add a department
-- with an INSERT. Each facility table gets a department column defaulting to the usual owner of
-- its kind; imports map a department / 部门 / 管理部门 column onto it.

CREATE TABLE departments (
    name         text PRIMARY KEY,           -- as written on rows: 交警
    name_en      text NOT NULL UNIQUE,       -- accepted in imports too: traffic_police
    description  text NOT NULL
);

INSERT INTO departments (name, name_en, description) VALUES
    ('交警', 'traffic_police', '公安交通管理部门 (traffic police)'),
    ('交通', 'transport', '交通运输部门, 公路与高速公路管理和经营单位 (transport, highway administrations and operators)'),
    ('气象', 'meteorology', '气象部门 (meteorological service)'),
    ('应急', 'emergency', '应急管理部门 (emergency management)'),
    ('公安', 'public_security', '公安机关其他部门 (public security, other than traffic police)'),
    ('自然资源', 'natural_resources', '自然资源部门, 地质灾害 (natural resources, geological hazards)'),
    ('住建', 'housing', '住房和城乡建设部门, 城市道路 (housing and urban-rural development, urban roads)'),
    ('城管', 'urban_management', '城市管理部门 (urban management)');

DO $$
DECLARE
    -- table, default department
    owners text[][] := ARRAY[
        ['cameras', '交警'],
        ['interval_speed_sections', '交警'],
        ['enforcement_stations', '交警'],
        ['command_centres', '交警'],
        ['hazard_zones', '交警'],
        ['guidance_signs', '交通'],
        ['toll_stations', '交通'],
        ['service_areas', '交通'],
        ['weather_stations', '气象']
    ];
    i int;
BEGIN
    FOR i IN 1 .. array_length(owners, 1) LOOP
        EXECUTE format(
            'ALTER TABLE %I ADD COLUMN department text NOT NULL DEFAULT %L '
            'REFERENCES departments (name) ON UPDATE CASCADE',
            owners[i][1], owners[i][2]);
    END LOOP;
END;
$$;
