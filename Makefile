# TP « Modèles de diffusion » — commandes du dépôt (voir README.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python

.PHONY: install test student check-student help

help: ## Affiche cette aide
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

install: ## Crée l'environnement .venv et installe les dépendances épinglées (+ paquets Debian si root)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	-@$(MAKE) --no-print-directory paquets-systeme

# Paquets Debian : bubblewrap (bac à sable de la correction), chromium et libjs-mathjax (test
# de rendu dans un vrai navigateur). Sans apt-get ou sans root : la correction tourne avec
# les seules limites de temps et de mémoire, et le test de rendu est ignoré (message clair).
PAQUETS_SYSTEME := bubblewrap chromium libjs-mathjax
.PHONY: paquets-systeme
paquets-systeme: ## (root) Installe bubblewrap, chromium et libjs-mathjax avec apt-get
	@command -v bwrap >/dev/null && command -v chromium >/dev/null && test -f /usr/share/javascript/mathjax/MathJax.js || { \
	  echo "Installation de $(PAQUETS_SYSTEME) (apt-get)..."; export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -q --no-install-recommends $(PAQUETS_SYSTEME) >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends $(PAQUETS_SYSTEME) >/dev/null 2>&1; } || \
	  echo "  non installés (apt-get absent ou pas root) : correction sans bac à sable complet, test de rendu ignoré."; }

test: ## Lance toute la suite de tests (mode rapide, hors ligne)
	$(PY) -m pytest

student: ## Régénère notebooks/tp_diffusion.ipynb à partir de solutions/
	$(PY) -m autograder.etudiant

check-student: ## Vérifie que le notebook étudiant committé est à jour
	$(PY) -m autograder.etudiant --verifier

# Publication aux étudiants : le paquet (notebook étudiant + README) va dans DEST, jamais dans
# l'arbre suivi de ce dépôt. PUBLIC_REPO/PUBLIC_BRANCH vides : c.BadgeColab de nbgrader_config.py.
DEST          ?= build/publication
PUBLIC_REPO   ?=
PUBLIC_BRANCH ?=
.PHONY: release
release: ## Écrit le paquet étudiant dans DEST (PUBLIC_REPO=propriétaire/nom ou aucun, PUBLIC_BRANCH)
	$(PY) -m autograder.publication --dest "$(DEST)" --depot "$(PUBLIC_REPO)" --branche "$(PUBLIC_BRANCH)"

# Corrigé publiable (HTML autonome) et rendu du notebook étudiant dans un vrai navigateur.
COMPLET ?=
.PHONY: corrige rendu
corrige: ## Exécute le maître sans tests cachés (COMPLET=1 : TP complet) -> build/corrige/tp_diffusion_corrige.html
	$(PY) -m autograder.corrige $(if $(filter 1 oui yes true,$(COMPLET)),--complet)

rendu: ## Affiche le notebook étudiant dans Chromium, hors ligne -> build/artefacts/rendu_etudiant.png
	$(PY) -m pytest tests/test_rendu_navigateur.py

# Correction d'une classe : make grade SUBMISSIONS=<dossier> [OUT=<dossier>] [SHARD=i/n]
SUBMISSIONS ?=
OUT         ?=
SHARD       ?=
PARTS       ?=
N           ?= 6
.PHONY: grade merge benchmark-grading
grade: ## Corrige SUBMISSIONS (un .ipynb par étudiant) -> OUT/notes.csv, moodle.csv, feedback/, resume.png
	@test -n "$(SUBMISSIONS)" || { echo "Usage : make grade SUBMISSIONS=<dossier des remises> [OUT=<dossier>] [SHARD=i/n]"; exit 2; }
	$(PY) -m autograder.corriger "$(SUBMISSIONS)" $(if $(OUT),--sortie "$(OUT)") $(if $(SHARD),--shard $(SHARD))

merge: ## Fusionne les parts PARTS="part1 part2 ..." en un seul notes.csv dans OUT
	@test -n "$(PARTS)" -a -n "$(OUT)" || { echo "Usage : make merge PARTS=\"<part1> <part2> ...\" OUT=<dossier>"; exit 2; }
	$(PY) -m autograder.fusionner --sortie "$(OUT)" $(PARTS)

benchmark-grading: ## Secondes par copie : nbgrader seul, en série, contre ce correcteur (N copies correctes)
	$(PY) -m benchmarks.correction --copies $(N)

# Banc d'essai (issues #5, #11), pas un test : chaque variante du registre
# (benchmarks/variantes.py) entraînée avec plusieurs graines, qualité jugée par un
# classifieur (moyenne ± écart-type). Une exécution (variante, graine) déjà faite n'est pas
# refaite (build/benchmark/runs/). Budget réduit : make benchmark EPOCHS=2 (n'écrase pas docs/).
EPOCHS    ?= 20
N_IMAGES  ?= 0
SAMPLES   ?= 1000
VARIANTES ?=
GRAINES   ?= 1,2,3
.PHONY: benchmark
benchmark: ## Banc d'essai multi-graines -> docs/benchmark.md (VARIANTES=a,b GRAINES=1,2,3 EPOCHS= N_IMAGES= SAMPLES=)
	$(PY) benchmarks/benchmark.py --epochs $(EPOCHS) --n-images $(N_IMAGES) --n-samples $(SAMPLES) \
	  --graines $(GRAINES) $(if $(VARIANTES),--variantes $(VARIANTES)) $(BENCH_ARGS)
