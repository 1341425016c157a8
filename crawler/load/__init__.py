"""Load stage: pending raw pages → articles (:func:`crawler.load.articles.load_pending`).

``pool`` extracts in worker processes, ``articles`` upserts the results with revisions,
``simhash`` fingerprints bodies for near-duplicates, and ``templates`` keeps each source's
template statistics (the lines its pages repeat). This file imports nothing: the workers import
``crawler.load.pool`` and ``crawler.load.simhash``, and must not pay for the database driver.
"""
