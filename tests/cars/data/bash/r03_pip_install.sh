pip install --quiet requests==2.31.0
python3 -c "import requests; print(requests.__version__)"
