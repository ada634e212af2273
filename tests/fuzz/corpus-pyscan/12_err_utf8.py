revision = "ÿþ"
# comment Ã(
naéme = 1
