# Spanish for a US organisation's readers: "13 de noviembre de 2026"; numbers as Mexico and
# the US Spanish-language press write them (75,000 and 1.5), not Spain's 75.000 and 1,5.
DATE_FORMAT = r"j \d\e F \d\e Y"
DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = r"j \d\e F"
TIME_FORMAT = "H:i"
THOUSAND_SEPARATOR = ","
DECIMAL_SEPARATOR = "."
NUMBER_GROUPING = 3
