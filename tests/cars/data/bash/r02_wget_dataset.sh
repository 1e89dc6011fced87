wget -q https://archive.ics.uci.edu/static/public/53/iris.zip -O iris.zip
unzip -o iris.zip -d data/
