"""``python -m doseplan``."""

from doseplan.cli import main

main()
