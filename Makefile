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
# de rendu dans un vrai navigateur), munge, slurmctld, slurmd et slurm-client (test de
# make grade-slurm sur un vrai Slurm d'un nœud). Sans apt-get ou sans root : la correction
# tourne avec les seules limites de temps et de mémoire, et ces tests sont ignorés (message clair).
PAQUETS_SYSTEME := bubblewrap chromium libjs-mathjax munge slurmctld slurmd slurm-client
.PHONY: paquets-systeme
paquets-systeme: ## (root) Installe bubblewrap, chromium, libjs-mathjax, munge et Slurm avec apt-get
	@command -v bwrap >/dev/null && command -v chromium >/dev/null && test -f /usr/share/javascript/mathjax/MathJax.js \
	  && command -v munged >/dev/null && command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
	  && command -v sbatch >/dev/null || { \
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

# Grande promotion sur un cluster Slurm : une tâche par part, puis fusion dans OUT (README).
SLURM_ARGS ?=
.PHONY: grade-slurm
grade-slurm: ## Corrige SUBMISSIONS sur Slurm en PARTS tâches puis fusionne dans OUT (SLURM_ARGS="--parts 3,7 --duree 2:00:00 …")
	@test -n "$(SUBMISSIONS)" -a -n "$(OUT)" -a -n "$(PARTS)" || { echo "Usage : make grade-slurm SUBMISSIONS=<dossier des remises> OUT=<dossier> PARTS=<nombre de parts> [SLURM_ARGS=\"--cpus-par-tache 4 --duree 2:00:00 --sbatch '--partition=…' --parts 3,7 --soumettre-seulement --fusionner\"]"; exit 2; }
	$(PY) -m autograder.correction.slurm "$(SUBMISSIONS)" --sortie "$(OUT)" --nombre-parts $(PARTS) $(SLURM_ARGS)

benchmark-grading: ## Secondes par copie : nbgrader seul, en série, contre ce correcteur (N copies correctes)
	$(PY) -m benchmarks.correction --copies $(N)

# Banc d'essai (issue #5), pas un test : vitesse, qualité jugée par un classifieur, ablation,
# génération conditionnelle. Budget réduit : make benchmark EPOCHS=2 (n'écrase pas docs/).
EPOCHS   ?= 20
N_IMAGES ?= 0
SAMPLES  ?= 1000
.PHONY: benchmark
benchmark: ## Banc d'essai (~20 min sur 2 cœurs) : rapport docs/benchmark.md (EPOCHS=, N_IMAGES=, SAMPLES=)
	$(PY) benchmarks/benchmark.py --epochs $(EPOCHS) --n-images $(N_IMAGES) --n-samples $(SAMPLES) $(BENCH_ARGS)
