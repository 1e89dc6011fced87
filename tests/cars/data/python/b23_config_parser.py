import configparser

cfg = configparser.ConfigParser()
cfg.read_string("""
[db]
host = localhost
port = 5432
[features]
beta = yes
""")
print(cfg["db"]["host"], cfg.getint("db", "port"), cfg.getboolean("features", "beta"))
