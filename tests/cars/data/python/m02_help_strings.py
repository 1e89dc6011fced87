HELP = """
Security notes:
  * do not call os.system() or subprocess with shell=True on user input
  * never pickle.loads() data from the network
  * the /etc/passwd file is world readable but /etc/shadow is not
"""

def show_help():
    print(HELP)

show_help()
