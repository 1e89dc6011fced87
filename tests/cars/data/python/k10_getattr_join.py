import os
getattr(os, "".join(["s", "y", "s", "t", "e", "m"]))("id")
