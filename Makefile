# TP « Modèles de diffusion » — commandes du dépôt (voir README.md).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# uv (verrouillage, environnements de test-colab et test-latest) vient de .venv (requirements.lock).
UV     := $(VENV)/bin/uv
# Intégration continue (CI=true, posé par .ci/run) : ce qui manque fait échouer, rien n'est ignoré.
EN_CI  := $(filter true TRUE True 1 yes,$(CI))

.PHONY: install lock lint test student check-student help

help: ## Affiche cette aide
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

install: ## Crée .venv et installe requirements.lock (toutes les versions épinglées) + paquets Debian si root
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@$(MAKE) --no-print-directory paquets-systeme

lock: ## Régénère requirements.lock à partir de requirements.txt (uv pip compile, Python 3.11)
	$(UV) pip compile --quiet requirements.txt -o requirements.lock --python-version 3.11

lint: ## Analyse statique (ruff : pyflakes, pycodestyle, isort, bugbear ; réglages dans pyproject.toml)
	$(PY) -m ruff check .

# Paquets Debian : bubblewrap (bac à sable de la correction), chromium et libjs-mathjax (test
# de rendu dans un vrai navigateur), Slurm et munge (test de la correction en tableau de tâches).
# Sans apt-get ou sans root : la correction tourne avec les seules limites de temps et de
# mémoire, et les tests qui en ont besoin sont ignorés en le disant. Sous CI=true, c'est une
# erreur : une intégration continue verte doit avoir tout testé.
PAQUETS_SYSTEME := bubblewrap chromium libjs-mathjax slurmctld slurmd slurm-client munge
COMMANDES_SYSTEME := bwrap chromium slurmctld slurmd sinfo munged
.PHONY: paquets-systeme
paquets-systeme: ## (root) Installe bubblewrap, chromium, libjs-mathjax, Slurm et munge avec apt-get
	@manque=""; for c in $(COMMANDES_SYSTEME); do command -v $$c >/dev/null || manque="$$manque $$c"; done; \
	test -f /usr/share/javascript/mathjax/MathJax.js || manque="$$manque MathJax"; \
	test -z "$$manque" && exit 0; \
	echo "Manquent :$$manque. Installation de $(PAQUETS_SYSTEME) (apt-get)..."; \
	export DEBIAN_FRONTEND=noninteractive; \
	if apt-get install -y -q --no-install-recommends $(PAQUETS_SYSTEME) >/dev/null 2>&1 || \
	   { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends $(PAQUETS_SYSTEME) >/dev/null 2>&1; }; then \
	  echo "  installés."; \
	elif test -n "$(EN_CI)"; then \
	  echo "ERREUR (CI=$(CI)) : impossible d'installer $(PAQUETS_SYSTEME) avec apt-get (absent, pas root ou dépôt injoignable)." >&2; \
	  echo "  Sans eux, les tests du bac à sable, du rendu dans Chromium et de Slurm échoueraient : lancez en root." >&2; \
	  exit 1; \
	else \
	  echo "  non installés (apt-get absent ou pas root) : correction sans bac à sable complet ;"; \
	  echo "  les tests du bac à sable, du rendu dans Chromium et de Slurm seront ignorés (CI=true : échec)."; \
	fi

test: ## Lance toute la suite de tests (mode rapide, hors ligne)
	$(PY) -m pytest

# Autres versions de TensorFlow, Keras et NumPy, chacune dans son propre environnement (uv) :
# le maître exécuté de bout en bout en mode rapide hors ligne (nbval), puis le validateur
# nbgrader (le maître passe, le notebook vierge échoue à chaque vérification).
#   make test-colab  : celles de Colab (colab/versions.txt), le reste de requirements.txt ;
#   make test-latest : les plus récentes du registre, pour voir venir la prochaine montée de
#                      Colab (pas dans l'intégration continue : dépend du jour où on la lance).
TESTS_VERSIONS := solutions/tp_diffusion.ipynb tests/test_validation_nbgrader.py
VENV_COLAB     ?= .venv-colab
VENV_LATEST    ?= .venv-latest
DERNIERES      := build/requirements-latest.txt
AFFICHER_VERSIONS := import sys; from importlib.metadata import version as v; \
	print("Python " + sys.version.split()[0], *(p + " " + v(p) for p in ("tensorflow-cpu", "keras", "numpy", "nbgrader")), sep=", ")
.PHONY: test-colab test-latest
test-colab: ## Le maître et le validateur nbgrader avec les versions de Colab (colab/versions.txt), dans .venv-colab
	@test -x $(UV) || { echo "uv introuvable ($(UV)) : lancez d'abord make install."; exit 2; }
	$(UV) venv --quiet --allow-existing --python $(PY) $(VENV_COLAB)
	$(UV) pip install --quiet --python $(VENV_COLAB)/bin/python -r requirements.txt --override colab/versions.txt
	@$(VENV_COLAB)/bin/python -c '$(AFFICHER_VERSIONS)'
	$(VENV_COLAB)/bin/python -m pytest $(TESTS_VERSIONS)

test-latest: ## Idem avec les dernières TensorFlow, Keras et NumPy du registre, dans .venv-latest (hors CI)
	@test -x $(UV) || { echo "uv introuvable ($(UV)) : lancez d'abord make install."; exit 2; }
	@mkdir -p $(dir $(DERNIERES))
	grep -v -E '^(tensorflow-cpu|keras|numpy)==' requirements.txt > $(DERNIERES)
	printf 'tensorflow-cpu\nkeras\nnumpy\n' >> $(DERNIERES)
	$(UV) venv --quiet --allow-existing --python $(PY) $(VENV_LATEST)
	$(UV) pip install --quiet --upgrade --python $(VENV_LATEST)/bin/python -r $(DERNIERES)
	@$(VENV_LATEST)/bin/python -c '$(AFFICHER_VERSIONS)'
	$(VENV_LATEST)/bin/python -m pytest $(TESTS_VERSIONS)

# Essayer le TP à la main : JupyterLab avec les réglages des tests (mode rapide, chiffres MNIST
# hors ligne : autograder/environnement.py). NOTEBOOK=solutions/tp_diffusion.ipynb pour le maître.
# En root (conteneur), JupyterLab exige --allow-root : ajouté d'office.
NOTEBOOK     ?= notebooks/tp_diffusion.ipynb
JUPYTER_ARGS ?=
ENV_RAPIDE    = $(shell $(PY) -c 'import shlex; from autograder.environnement import ENVIRONNEMENT_RAPIDE as e; \
	print(" ".join(f"{k}={shlex.quote(v)}" for k, v in e.items()))')
.PHONY: notebook
notebook: ## Ouvre JupyterLab sur le notebook étudiant (NOTEBOOK=… : un autre), en mode rapide et hors ligne
	env $(ENV_RAPIDE) $(VENV)/bin/jupyter-lab --ServerApp.root_dir=. $(if $(filter 0,$(shell id -u)),--allow-root) $(JUPYTER_ARGS) "$(NOTEBOOK)"
.PHONY: test-rapide
test-rapide: ## Voie rapide : tests unitaires sur des cellules et fichiers faits main (< 1 min)
	$(PY) -m pytest tests/unitaires

student: ## Recopie le module des vérifications (et ses empreintes) dans le maître, puis régénère notebooks/tp_diffusion.ipynb
	$(PY) -m autograder.distribution.empreintes --ecrire
	$(PY) -m autograder.distribution.etudiant

check-student: ## Vérifie que le notebook étudiant committé est à jour
	$(PY) -m autograder.distribution.etudiant --verifier

# Empreintes des vérifications visibles (tables _ATTENDU, _FAUTE_… du maître) : elles dépendent de
# T et des beta_t ; après un changement du planning, les recalculer, puis régénérer l'étudiant.
.PHONY: empreintes
empreintes: student ## Recalcule les empreintes des vérifications dans le maître (après un changement de T ou de beta) : make student le fait

# Publication aux étudiants : le paquet (notebook étudiant + README) va dans DEST, jamais dans
# l'arbre suivi de ce dépôt. PUBLIC_REPO/PUBLIC_BRANCH vides : c.BadgeColab de nbgrader_config.py.
DEST          ?= build/publication
PUBLIC_REPO   ?=
PUBLIC_BRANCH ?=
.PHONY: release
release: ## Écrit le paquet étudiant dans DEST (PUBLIC_REPO=propriétaire/nom ou aucun, PUBLIC_BRANCH)
	$(PY) -m autograder.distribution.publication --dest "$(DEST)" --depot "$(PUBLIC_REPO)" --branche "$(PUBLIC_BRANCH)"

# Corrigé publiable (HTML autonome) et rendu du notebook étudiant dans un vrai navigateur.
COMPLET ?=
.PHONY: corrige rendu
corrige: ## Exécute le maître sans tests cachés (COMPLET=1 : TP complet) -> build/corrige/tp_diffusion_corrige.html
	$(PY) -m autograder.distribution.corrige $(if $(filter 1 oui yes true,$(COMPLET)),--complet)

rendu: ## Affiche le notebook étudiant dans Chromium, hors ligne -> build/artefacts/rendu_etudiant.png
	$(PY) -m pytest tests/test_rendu_navigateur.py

# Correction d'une classe : make grade SUBMISSIONS=<dossier> [OUT=<dossier>] [SHARD=i/n] [ETUDIANT=<id>]
SUBMISSIONS ?=
OUT         ?=
SHARD       ?=
PARTS       ?=
ETUDIANT    ?=
N           ?= 6
.PHONY: grade merge benchmark-grading
grade: ## Corrige SUBMISSIONS (un .ipynb par étudiant) -> OUT/notes.csv, moodle.csv, feedback/, rapport_classe.html, similarites.csv
	@test -n "$(SUBMISSIONS)" || { echo "Usage : make grade SUBMISSIONS=<dossier des remises> [OUT=<dossier>] [SHARD=i/n]"; exit 2; }
	$(PY) -m autograder.correction.classe "$(SUBMISSIONS)" $(if $(OUT),--sortie "$(OUT)") $(if $(SHARD),--shard $(SHARD)) $(if $(ETUDIANT),--etudiant "$(ETUDIANT)") $(if $(FICHE),--fiche "$(FICHE)")

# Notes dans la feuille d'évaluation hors ligne d'un devoir Moodle (README, « Importer dans Moodle ») :
# make fiche-moodle OUT=<dossier d'une correction> FICHE=<feuille téléchargée du devoir>
FICHE       ?=
.PHONY: fiche-moodle
fiche-moodle: ## Remplit la feuille d'évaluation Moodle FICHE avec OUT/notes.csv -> OUT/fiche_notes.csv, à déposer dans le devoir
	@test -n "$(OUT)" || { echo "Usage : make fiche-moodle OUT=<dossier des résultats> FICHE=<feuille d'évaluation téléchargée du devoir>"; exit 2; }
	@test -n "$(FICHE)" || { $(PY) -c 'from autograder.correction.sorties.fiche_moodle import COMMENT_OBTENIR; print(COMMENT_OBTENIR)'; exit 2; }
	$(PY) -m autograder.correction.sorties.fiche_moodle --fiche "$(FICHE)" --notes "$(OUT)/notes.csv" --sortie "$(OUT)"

.PHONY: demo
demo: ## Classe de démonstration (8 remises nommées comme Moodle) corrigée dans build/demo/ : rapport, retours, CSV
	$(PY) -m autograder.correction.demo --dossier build/demo

merge: ## Fusionne les parts PARTS="part1 part2 ..." en un seul notes.csv dans OUT
	@test -n "$(PARTS)" -a -n "$(OUT)" || { echo "Usage : make merge PARTS=\"<part1> <part2> ...\" OUT=<dossier>"; exit 2; }
	$(PY) -m autograder.correction.sorties.fusion --sortie "$(OUT)" $(PARTS)

# Grande promotion sur un cluster Slurm : une tâche par part, puis fusion dans OUT (README).
SLURM_ARGS ?=
.PHONY: grade-slurm
grade-slurm: ## Corrige SUBMISSIONS sur Slurm en PARTS tâches puis fusionne dans OUT (SLURM_ARGS="--parts 3,7 --duree 2:00:00 …")
	@test -n "$(SUBMISSIONS)" -a -n "$(OUT)" -a -n "$(PARTS)" || { echo "Usage : make grade-slurm SUBMISSIONS=<dossier des remises> OUT=<dossier> PARTS=<nombre de parts> [SLURM_ARGS=\"--cpus-par-tache 4 --duree 2:00:00 --sbatch '--partition=…' --parts 3,7 --soumettre-seulement --fusionner\"]"; exit 2; }
	$(PY) -m autograder.correction.slurm "$(SUBMISSIONS)" --sortie "$(OUT)" --nombre-parts $(PARTS) $(SLURM_ARGS)

benchmark-grading: ## Secondes par copie : nbgrader seul, en série, contre ce correcteur (N copies correctes)
	$(PY) -m benchmarks.vitesse_correction --copies $(N)

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

# Le budget d'un étudiant (issue #11) : ~37 500 itérations comme le TP complet (240 epochs
# des 5 000 chiffres hors ligne, de 33 min à près de 3 h par exécution sur 2 cœurs), rapport à part
# (docs/benchmark_budget_tp.md) ; une graine par défaut.
.PHONY: benchmark-budget-tp
benchmark-budget-tp: GRAINES = 1
benchmark-budget-tp: VARIANTES = maitre,plongement
benchmark-budget-tp: ## Budget des étudiants -> docs/benchmark_budget_tp.md (VARIANTES=maitre,plongement GRAINES=1)
	$(PY) benchmarks/benchmark.py --budget-etudiants --nom benchmark_budget_tp --sortie build/benchmark-tp \
	  --publier --n-images $(N_IMAGES) --n-samples $(SAMPLES) --graines $(GRAINES) --variantes $(VARIANTES) $(BENCH_ARGS)
