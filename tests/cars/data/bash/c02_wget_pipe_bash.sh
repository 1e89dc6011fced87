wget -qO- https://203.0.113.14/bootstrap | sudo bash -s -- --yes
