"""Demo Daily: the bundled fictional news site (``site/``) and the local server that serves it."""
