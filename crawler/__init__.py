"""newsflow: news ingestion pipeline (discover → fetch → extract → load → check)."""
