echo "no #! line"
