-- Place labels as people name places (issue 16): a map reads 长沙, not 长沙市人民政府 or 长沙市.
-- daoan_place_label(name, level) is the common name of an area or of its government's seat:
--   the seat's 人民政府 dropped first ('湖南省人民政府' is the seat of 湖南省);
--   province: 湖南省 -> 湖南, 重庆市 -> 重庆, 广西壮族自治区 -> 广西;
--   city: 长沙市 -> 长沙, an autonomous prefecture by its place name and 州: 湘西土家族苗族自治州 -> 湘西州
--         (as Hunan's own bulletins and the domain's code list write it);
--   county: a county-level city without 市 (浏阳市 -> 浏阳, 津市市 -> 津市), an autonomous county by its
--         place name and 县 (城步苗族自治县 -> 城步县), other counties and districts whole (长沙县 is not 长沙,
--         攸县 and 芙蓉区 stay as they are).
-- A name the rules do not fit (an ethnic name missing from the list, a one-character stem) stays whole.
CREATE FUNCTION daoan_place_label(name text, level text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH n AS (SELECT regexp_replace(name, '人民政府$', '') AS n)
    SELECT CASE
        WHEN level = 'province' AND n ~ '^.{2,}(省|市)$' THEN left(n, -1)
        WHEN level = 'province' THEN regexp_replace(n, '^(.{2,}?)(壮族|回族|维吾尔)?自治区$', '\1')
        WHEN n ~ '族自治(州|县)$' THEN regexp_replace(
            n, '^(.{2,}?)((土家|苗|侗|瑶|壮|布依|仡佬|彝|回|白|水|毛南|仫佬|畲|蒙古|藏|羌|黎|各)族)+自治(州|县)$', '\1\4')
        WHEN level IN ('city', 'county') AND n ~ '^.{2,}市$' THEN left(n, -1)
        ELSE n
    END
    FROM n
$$;

ALTER TABLE admin_areas ADD COLUMN label text GENERATED ALWAYS AS (daoan_place_label(name, level)) STORED;
ALTER TABLE admin_seats ADD COLUMN label text GENERATED ALWAYS AS (daoan_place_label(name, level)) STORED;
