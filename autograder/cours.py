"""Dossier de cours nbgrader temporaire, construit à partir du notebook maître.

nbgrader travaille dans un dossier de cours (``source/``, ``release/``, ``submitted/``,
``autograded/``, ``feedback/`` et ``gradebook.db``). Ce dépôt n'en garde aucun : chaque
commande en construit un là où on le lui dit (sous ``build/`` ou sous le dossier de sortie
de la correction), jamais dans les sources.
"""
import shutil
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from autograder.chemins import ASSIGNMENT, CONFIG_NBGRADER, NOTEBOOK_MAITRE


def configuration(racine_cours, **reglages):
    """Configuration nbgrader du dépôt, pour le dossier de cours ``racine_cours``."""
    config = PyFileConfigLoader(CONFIG_NBGRADER.name, path=str(CONFIG_NBGRADER.parent)).load_config()
    config.CourseDirectory.root = str(Path(racine_cours).resolve())
    for section, valeurs in reglages.items():
        config.merge(Config({section: valeurs}))
    return config


def preparer_cours(racine_cours, maitre=NOTEBOOK_MAITRE, **reglages):
    """Crée le dossier de cours et y génère la version étudiante ; renvoie le notebook publié.

    ``reglages`` : sections de configuration nbgrader à surcharger (voir ``configuration``).
    """
    from nbgrader.apps import NbGraderAPI

    racine_cours = Path(racine_cours)
    source = racine_cours / "source" / ASSIGNMENT
    source.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(maitre, source / f"{ASSIGNMENT}.ipynb")
    api = NbGraderAPI(config=configuration(racine_cours, **reglages))
    resultat = api.generate_assignment(ASSIGNMENT, force=True, create=True)
    if not resultat["success"]:
        raise RuntimeError(f"nbgrader generate_assignment a échoué :\n{resultat['log']}\n{resultat.get('error', '')}")
    return racine_cours / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
