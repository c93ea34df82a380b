"""The portal's own date and time formats (``FORMAT_MODULE_PATH``), read before Django's.

French (fr-CA) times read as Quebec writes them, « 23 h 26 », « 9 h 05 » (no leading zero on the
hour, a no-break space on each side of « h »: the Office québécois de la langue française's
rule). Django's own ``fr_CA`` module writes ``H\\xa0h\\xa0i``, whose unescaped ``h`` is the
12-hour clock's hour (« 23 11 26 »): it cannot be used as it is. English keeps the 24-hour
clock and the day-month-year order the English pages already use (« 31 January 2024, 23:26 »).

Templates show a time with ``|date:"DATETIME_FORMAT"`` or ``|time:"TIME_FORMAT"``, never an
explicit ``"H:i"``.
"""
