history -c
unset HISTFILE
rm -f ~/.bash_history
