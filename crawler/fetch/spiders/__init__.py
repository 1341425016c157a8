"""Scrapy spiders of newsflow: one generic spider driven by a source entry."""
