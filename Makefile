# TP « Modèles de diffusion » — commandes du dépôt (voir README.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: install test student check-student help

help: ## Affiche cette aide
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

install: ## Crée l'environnement .venv et installe les dépendances épinglées
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt

test: ## Lance toute la suite de tests (mode rapide, hors ligne)
	$(PY) -m pytest

student: ## Régénère notebooks/tp_diffusion.ipynb à partir de solutions/
	$(PY) -m autograder.etudiant

check-student: ## Vérifie que le notebook étudiant committé est à jour
	$(PY) -m autograder.etudiant --verifier
