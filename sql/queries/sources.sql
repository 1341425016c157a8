-- name: upsert_source
-- Register or update a source from the sources file.
INSERT INTO sources (name, language, allowed_domains, config)
VALUES (%(name)s, %(language)s, %(allowed_domains)s, %(config)s)
ON CONFLICT (name) DO UPDATE
SET language = excluded.language,
    allowed_domains = excluded.allowed_domains,
    config = excluded.config,
    updated_at = now()
WHERE sources.config IS DISTINCT FROM excluded.config;
