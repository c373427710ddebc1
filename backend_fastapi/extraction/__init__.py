"""What a scrape schema means: its forms, the normalised spec, selector and XPath checks.

Light on purpose: the API validates schemas with it at request time.
"""
