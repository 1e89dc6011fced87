import os
runner = getattr(os, "system")
runner("uptime")
