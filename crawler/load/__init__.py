"""Load stage: pending raw pages → articles (:func:`crawler.load.articles.load_pending`).

``pool`` extracts in worker processes, ``articles`` upserts the results with revisions, and
``simhash`` fingerprints bodies for near-duplicates. This file imports nothing: the workers import
``crawler.load.pool`` and ``crawler.load.simhash``, and must not pay for the database driver.
"""
