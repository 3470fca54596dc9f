-- Number the staged rows of an import that share a hash key: '#2', '#3', … in file order (migration 016).
SELECT daoan_number_duplicate_keys(CAST('import_stage' AS regclass))
