s = ")'di'(metsys.)'so'(__tropmi__"
eval(s[::-1])
