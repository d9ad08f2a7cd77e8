"""Corrigé publiable du TP (``make corrige``) : le notebook maître exécuté, en HTML autonome.

Usage : ``python -m autograder.distribution.corrige [--complet] [--sortie DOSSIER]``

1. Lit ``solutions/tp_diffusion.ipynb`` et en retire les tests cachés (régions
   ``### BEGIN HIDDEN TESTS`` … ``### END HIDDEN TESTS``, préprocesseur ``ClearHiddenTests``
   de nbgrader) ; les solutions et les vérifications visibles restent.
2. L'exécute dans un noyau Jupyter, hors ligne, en affichant une ligne par cellule
   (« [11/31] ex3_reponse … 0,2 s ») et la progression de l'entraînement Keras.
   Par défaut en mode rapide (``ENVIRONNEMENT_RAPIDE`` : 1 epoch sur 2 000 images,
   environ une minute sur 2 cœurs) ; avec ``--complet``, avec les réglages du TP
   (20 epochs sur 60 000 images : prévoir un GPU ou plus d'une heure de CPU).
3. Écrit ``build/corrige/tp_diffusion_corrige.html`` : un seul fichier, figures et schémas
   embarqués (images en base64), formules rendues par MathJax (chargé depuis le CDN de
   nbconvert à l'ouverture de la page), et le notebook exécuté ``tp_diffusion_corrige.ipynb``.
"""
import argparse
import copy
import os
import re
import sys
import time
from pathlib import Path

import nbformat

from autograder.cellules import grade_id
from autograder.chemins import BUILD, NOTEBOOK_MAITRE
from autograder.environnement import ENVIRONNEMENT_RAPIDE

SORTIE = BUILD / "corrige"
NOM = "tp_diffusion_corrige"
TITRE = "TP — Modèles de diffusion (DDPM) : corrigé"
#: Variables qui réduisent l'entraînement ; retirées en mode complet.
VARIABLES_MODE_RAPIDE = ("TP_EPOCHS", "TP_N_IMAGES")
#: Délai maximal par cellule en mode rapide (le mode complet n'en a pas).
DELAI_CELLULE_RAPIDE = 600
#: Lignes de la barre de progression de Keras (« Epoch 3/20 », « 62/62 ━━━━ … loss : 0.31 »).
LIGNE_KERAS = re.compile(r"^\s*(Epoch \d+/\d+|\d+/\d+ .*(━|step))")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def environnement_noyau(complet=False, base=None):
    """Variables d'environnement du noyau : hors ligne, rapide sauf si ``complet``.

    Comme dans les tests, une variable déjà définie l'emporte (``TP_EPOCHS=3 make corrige``).
    """
    env = dict(os.environ if base is None else base)
    for nom, valeur in ENVIRONNEMENT_RAPIDE.items():
        env.setdefault(nom, valeur)
    if complet:
        for nom in VARIABLES_MODE_RAPIDE:
            env.pop(nom, None)
    return env


def description_mode(env):
    if all(nom in env for nom in VARIABLES_MODE_RAPIDE):
        return f"mode rapide : {env['TP_EPOCHS']} epoch(s) sur {env['TP_N_IMAGES']} images"
    return "mode complet : réglages par défaut du notebook (20 epochs sur 60 000 images)"


def sans_tests_caches(nb):
    """Copie de ``nb`` sans les régions de tests cachés ; solutions et tests visibles gardés."""
    from nbgrader.preprocessors import ClearHiddenTests

    nb = copy.deepcopy(nb)
    nb, _ = ClearHiddenTests(enforce_metadata=False).preprocess(nb, {})
    for cellule in nb.cells:
        if cellule.cell_type == "code":
            cellule.outputs, cellule.execution_count = [], None
    return nb


def bandeau(env):
    """Cellule d'en-tête du corrigé : ce que c'est et dans quelles conditions il a été exécuté."""
    rapide = all(nom in env for nom in VARIABLES_MODE_RAPIDE)
    return nbformat.v4.new_markdown_cell(
        f"> **Corrigé.** Notebook du TP avec ses solutions, exécuté en {description_mode(env)}. "
        "Les lignes terminées par `# SOLUTION` sont celles qu'il fallait compléter."
        + (" Le réseau, à peine entraîné, génère des images très floues : c'est normal." if rapide else "")
    )


def duree(secondes):
    """« 0,4 s », « 12,3 s », « 2 min 05 s » : durée lisible, en français."""
    if secondes < 60:
        return f"{secondes:.1f} s".replace(".", ",")
    minutes, secondes = divmod(int(round(secondes)), 60)
    return f"{minutes} min {secondes:02d} s"


def _client_avec_progression(nb, sortie, **options):
    """``NotebookClient`` de nbclient qui affiche sa progression sur ``sortie``.

    Longue seulement de sa classe locale (des méthodes de quelques lignes chacune), qui
    capture ``sortie``, le rang de chaque cellule et la largeur de l'affichage.
    """
    from nbclient import NotebookClient

    a_executer = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    rang = {indice: k for k, indice in enumerate(a_executer, start=1)}
    largeur = len(str(len(a_executer)))
    tty = hasattr(sortie, "isatty") and sortie.isatty()

    marge = " " * (2 * largeur + 4)

    class ClientAvecProgression(NotebookClient):
        """Une ligne par cellule, et les lignes de progression de Keras pendant l'entraînement.

        État de la ligne courante du terminal : ``_ouverte`` (« [k/n] nom … » attend sa
        durée) ou ``_vive`` (barre Keras animée, réécrite avec ``\\r``, sur un terminal).
        """

        _debut = 0.0
        _ouverte = False
        _vive = False
        _tampon = ""

        def _ecrire(self, texte):
            sortie.write(texte)
            sortie.flush()

        def _nouvelle_ligne(self):
            if self._ouverte or self._vive:
                self._ecrire("\n")
            self._ouverte = self._vive = False

        def _debut_cellule(self, cell, cell_index):
            nom = grade_id(cell) or f"cellule {cell_index}"
            self._debut, self._tampon = time.monotonic(), ""
            self._ecrire(f"[{rang[cell_index]:>{largeur}}/{len(a_executer)}] {nom} … ")
            self._ouverte = True

        def _fin_cellule(self, cell, cell_index, execute_reply):
            ecoule = duree(time.monotonic() - self._debut)
            echec = (execute_reply or {}).get("content", {}).get("status") == "error"
            bilan = f"ÉCHEC après {ecoule}" if echec else ecoule
            if self._ouverte:
                self._ecrire(f"{bilan}\n")
                self._ouverte = False
            else:
                self._nouvelle_ligne()
                self._ecrire(f"{marge}… {bilan}\n")

        def output(self, outs, msg, display_id, cell_index):
            if msg["msg_type"] == "stream" and msg["content"].get("name") == "stdout":
                self._relayer(msg["content"].get("text", ""))
            return super().output(outs, msg, display_id, cell_index)

        def _relayer(self, texte):
            """Recopie les lignes de Keras ; la barre animée (``\\r``) seulement sur un terminal."""
            self._tampon += ANSI.sub("", texte).replace("\b", "")
            *lignes, self._tampon = self._tampon.split("\n")
            for ligne in lignes:
                ligne = ligne.split("\r")[-1].strip()
                if LIGNE_KERAS.match(ligne):
                    self._afficher(ligne)
                    self._nouvelle_ligne()
            en_cours = self._tampon.split("\r")[-1].strip()
            if tty and LIGNE_KERAS.match(en_cours):
                self._afficher(en_cours)

        def _afficher(self, ligne):
            """Écrit ``ligne`` en retrait, par-dessus la barre animée s'il y en a une."""
            if self._ouverte:
                self._nouvelle_ligne()
            self._ecrire(f"\r{marge}{ligne}\x1b[K" if tty else f"{marge}{ligne}")
            self._vive = True

    client = ClientAvecProgression(nb, **options)
    client.on_cell_execute = client._debut_cellule
    client.on_cell_executed = client._fin_cellule
    return client, a_executer


def executer(nb, dossier, env, sortie=sys.stdout, delai=None):
    """Exécute ``nb`` (en place) dans ``dossier`` avec l'environnement ``env``."""
    client, a_executer = _client_avec_progression(
        nb, sortie, timeout=delai, kernel_name="python3", coalesce_streams=True,
        resources={"metadata": {"path": str(dossier)}},
    )
    conseil = "" if "TP_EPOCHS" not in env else " ; « make corrige COMPLET=1 » pour le TP complet"
    sortie.write(f"Exécution de {len(a_executer)} cellules de code ({description_mode(env)}{conseil}).\n")
    debut = time.monotonic()
    client.execute(env=env)
    sortie.write(f"Notebook exécuté en {duree(time.monotonic() - debut)}.\n")
    return nb


def exporter_html(nb, destination):
    """HTML autonome : images et pièces jointes en base64, une seule page à publier."""
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = TITRE
    html, _ = HTMLExporter(embed_images=True).from_notebook_node(nb)
    Path(destination).write_text(html, encoding="utf-8")
    return Path(destination)


def generer_corrige(sortie_dir=SORTIE, complet=False, maitre=NOTEBOOK_MAITRE, sortie=sys.stdout):
    """Exécute le maître sans ses tests cachés ; renvoie le chemin du HTML écrit."""
    sortie_dir = Path(sortie_dir)
    sortie_dir.mkdir(parents=True, exist_ok=True)
    env = environnement_noyau(complet)
    nb = sans_tests_caches(nbformat.read(maitre, as_version=4))
    sortie.write(f"Corrigé de {maitre.name} : tests cachés retirés, solutions gardées.\n")
    executer(nb, sortie_dir, env, sortie=sortie,
             delai=None if complet else DELAI_CELLULE_RAPIDE)
    nb.cells.insert(1, bandeau(env))
    nbformat.write(nb, sortie_dir / f"{NOM}.ipynb")
    html = exporter_html(nb, sortie_dir / f"{NOM}.html")
    taille = f"{html.stat().st_size / 1e6:.1f}".replace(".", ",")
    sortie.write(f"Corrigé écrit : {html} ({taille} Mo, autonome) "
                 f"et {sortie_dir / f'{NOM}.ipynb'}.\n")
    return html


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complet", action="store_true",
                        help="TP complet (20 epochs sur 60 000 images) au lieu du mode rapide")
    parser.add_argument("--sortie", type=Path, default=SORTIE,
                        help=f"dossier de sortie (par défaut {SORTIE})")
    args = parser.parse_args(argv)
    from nbclient.exceptions import CellExecutionError

    try:
        generer_corrige(args.sortie, complet=args.complet)
    except CellExecutionError as erreur:
        print(f"\nUne cellule du notebook maître a échoué : pas de corrigé écrit.\n{erreur}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
