-- Whether this session may drop and rebuild the indexes and foreign keys of :table_name (it owns the
-- table, or is a superuser): the server's application role may not, and then keeps them during a bulk
-- replace.
SELECT pg_has_role(current_user, c.relowner, 'USAGE') OR r.rolsuper
FROM pg_class c, pg_roles r
WHERE c.oid = to_regclass(:table_name) AND r.rolname = current_user
