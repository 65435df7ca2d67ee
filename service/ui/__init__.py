"""Server-rendered web pages for investment-promotion staff."""
