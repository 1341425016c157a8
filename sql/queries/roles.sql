-- name: role_exists
-- Whether a database role exists (roles are created by migration 0004_roles.sql).
SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %(role)s;

-- name: set_role_password
-- Let a role log in with a password. A psycopg2.sql template, not bind parameters (ALTER ROLE
-- takes none): {role} is an Identifier, {password} a Literal holding a SCRAM verifier.
ALTER ROLE {role} WITH LOGIN PASSWORD {password};
