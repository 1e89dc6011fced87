import logging

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger("pipeline")

def stage(name, fn, data):
    log.info("starting %s", name)
    out = fn(data)
    log.info("finished %s: %d records", name, len(out))
    return out

data = list(range(100))
data = stage("filter", lambda d: [x for x in d if x % 3], data)
data = stage("square", lambda d: [x * x for x in d], data)
