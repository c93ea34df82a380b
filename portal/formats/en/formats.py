# English: « 31 January 2024, 23:26 », the day-month-year order of the English pages' dates
# (``|date:"j F Y"``). See portal/formats/__init__.py. Anything not set here comes from
# Django's en module.
TIME_FORMAT = "H:i"  # 23:26
DATETIME_FORMAT = "j F Y, H:i"  # 31 January 2024, 23:26
