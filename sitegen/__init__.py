"""sitegen: a static site generator for a Chinese-language public-safety news archive."""

__version__ = "0.1.0"
