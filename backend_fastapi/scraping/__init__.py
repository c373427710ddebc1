"""The scraping engine: fetchers (static, browser), schema extraction, crawling (worker only)."""
