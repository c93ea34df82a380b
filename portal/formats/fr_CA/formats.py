# Quebec French (fr-CA): « 31 janvier 2024, 23 h 26 ». See portal/formats/__init__.py.
# Anything not set here comes from Django's fr_CA, then fr, module.
NBSP = "\u00a0"

DATE_FORMAT = "j F Y"  # 31 janvier 2024
TIME_FORMAT = f"G{NBSP}\\h{NBSP}i"  # 23 h 26, 9 h 05
DATETIME_FORMAT = f"{DATE_FORMAT}, {TIME_FORMAT}"  # 31 janvier 2024, 23 h 26
SHORT_DATE_FORMAT = "Y-m-d"  # 2024-01-31
SHORT_DATETIME_FORMAT = f"{SHORT_DATE_FORMAT} {TIME_FORMAT}"  # 2024-01-31 23 h 26
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = NBSP
NUMBER_GROUPING = 3
