-- Every change to who a token is and what it may do (tokens, users, memberships, including rows
-- removed by a cascade) notifies `switchyard_auth` when its transaction commits; each replica
-- empties its cache of authenticated tokens on it (server/auth/cache.ts). One notification per
-- statement, and PostgreSQL folds identical ones within a transaction.

CREATE FUNCTION switchyard_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('switchyard_auth', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER tokens_auth_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON tokens
  FOR EACH STATEMENT EXECUTE FUNCTION switchyard_auth_changed();
CREATE TRIGGER users_auth_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
  FOR EACH STATEMENT EXECUTE FUNCTION switchyard_auth_changed();
CREATE TRIGGER memberships_auth_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON memberships
  FOR EACH STATEMENT EXECUTE FUNCTION switchyard_auth_changed();
