"""The one exception parse() lets out: input that is not a page at all."""


class ParseError(ValueError):
    """Input that cannot be read as an HTML page or a text dump (binary, undecodable).

    Carries a one-line message; the CLI prints it as is. Everything short of this (a broken
    page, a page that is not a report) is answered in the result, never raised."""
