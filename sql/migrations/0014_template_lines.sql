-- Template statistics: the lines each source's pages repeat (crawler.extract.template). The load
-- step reads a source's rows once per run, counts the pages it extracts in memory, and writes the
-- changed rows with each batch of articles; a line on most of the source's pages is boilerplate.

-- How many pages of the source were counted (those whose text was laid out in lines).
CREATE TABLE template_sources (
    source     text PRIMARY KEY REFERENCES sources (name),
    pages      bigint NOT NULL CHECK (pages >= 0),
    updated_at timestamptz NOT NULL
);

-- One row per line seen on at least two of the source's pages. A line is its letters, case
-- folded, hashed to 64 bits. Bounded: the load forgets lines that stopped recurring, or that
-- recur on too few pages to be template, and keeps at most a fixed number per source.
CREATE TABLE template_lines (
    source     text NOT NULL REFERENCES template_sources (source) ON DELETE CASCADE,
    line_hash  bigint NOT NULL,
    pages      integer NOT NULL CHECK (pages >= 2),  -- pages the line was on
    first_page bigint NOT NULL CHECK (first_page >= 0),  -- the source's page count when first seen
    last_seen  timestamptz NOT NULL,
    PRIMARY KEY (source, line_hash)
);
