from string import Template
t = Template("Dear $name, your balance is $balance.")
for name, bal in [("Ann", 10), ("Bo", 20)]:
    print(t.substitute(name=name, balance=bal))
print("%s scored %d%%" % ("Cy", 97))
