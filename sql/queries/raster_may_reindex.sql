-- Whether this session may drop and rebuild segment_terrain's indexes (it owns the table, or is a
-- superuser): the server's application role may not, and then keeps them during a bulk replace.
SELECT pg_has_role(current_user, c.relowner, 'USAGE') OR r.rolsuper
FROM pg_class c, pg_roles r
WHERE c.oid = 'segment_terrain'::regclass AND r.rolname = current_user
