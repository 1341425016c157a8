"""Pages the extraction tests build: an article with extra <head> markup, or with given body."""

from __future__ import annotations

FIXTURE_URL = "https://news.example/article/1"

PARA = (
    "<p>The county board approved the new water plan on Tuesday after months of debate about "
    "costs, pipes and the needs of farmers in the valley, officials said.</p>"
)


def meta_page(head: str = "", body: str = "", lang: str = "") -> bytes:
    """An article of five paragraphs, with ``head`` in its <head> and ``body`` before them."""
    paragraphs = "".join(
        f"<p>Paragraph {i} of the story says the council met on Tuesday and approved the plan "
        f"after a long debate about costs, schedules and the needs of local residents.</p>"
        for i in range(5)
    )
    lang_attr = f' lang="{lang}"' if lang else ""
    return (
        f"<!DOCTYPE html><html{lang_attr}><head><meta charset='utf-8'>"
        "<title>Council approves plan</title>"
        f"{head}</head><body><article><h1>Council approves plan</h1>{body}{paragraphs}</article>"
        f"</body></html>"
    ).encode()


def body_page(inner: str, head: str = "") -> bytes:
    """An article whose <article> holds ``inner`` after its <h1>."""
    return (
        f"<html lang='en'><head><title>Water plan approved | Gazette</title>{head}</head><body>"
        f"<article><h1>Water plan approved</h1>{inner}</article></body></html>"
    ).encode()
