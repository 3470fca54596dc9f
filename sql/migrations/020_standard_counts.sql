-- Whether a count target counts construction under the plan (完成/新建/新增: facilities put into
-- service from `since` to the end of the measured year) or the stock (达到, 平均每N公里, 比例: what is in
-- service at the end of the year), per target (issue 13). `since` empty: the standard set's baseline.
ALTER TABLE coverage_standards
    ADD COLUMN counts text NOT NULL DEFAULT 'stock' CHECK (counts IN ('stock', 'construction')),
    ADD COLUMN since date;
