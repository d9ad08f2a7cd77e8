"""Classe de démonstration : ``make demo`` fabrique une petite classe, la corrige et montre les sorties.

Usage ::

    python -m autograder.correction.demo [--dossier build/demo] [--taille 8]

Les remises sont fabriquées à partir du notebook étudiant, comme les rempliraient des
étudiants (``autograder.remises_modeles``), et nommées comme les télécharge Moodle
(« Télécharger tous les travaux remis ») :
``Prénom Nom_<participant>_assignsubmission_file_/tp_diffusion.ipynb``. La classe contient
une copie complète, une copie vierge, deux erreurs typiques, une étudiante aux réponses
inhabituelles (justes, mais écrites à sa façon, plus du code facultatif) et une copie
« maquillée » de ses réponses (commentaires et espaces changés) ; au-delà de six, des
copies ordinaires (complètes ou avec une erreur typique) complètent la classe.

:func:`ecrire_classe_demo` sert aussi de classe de test (``tests/``) : l'analyse des
réponses partagées doit signaler la paire inhabituelle, et elle seule.
"""
import argparse
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.cellules import source
from autograder.chemins import ASSIGNMENT, BUILD
from autograder.remises_modeles import ecrire, notebook_etudiant, remise

#: Deux erreurs typiques (trou n° k de la cellule -> ligne écrite par l'étudiant).
ERREUR_CUMSUM = {"ex2_reponse": {1: "alpha_barre = np.cumsum(alpha)"}}
ERREUR_BOUCLE = {"ex8_reponse": {0: "for t in range(T, 1, -1):"}}
ERREUR_ECART_TYPE = {"ex2_reponse": {3: "sigma_x_T = np.sqrt(1 - alpha_barre[T])"}}
ERREUR_BETA = {"ex1_reponse": {0: "beta = np.linspace(beta_1, beta_T, T)"}}

#: Réponses justes mais inhabituelles : personne d'autre dans la classe ne les écrit ainsi.
REPONSES_INHABITUELLES = {
    "ex1_reponse": {0: "beta = np.hstack((0.0, np.linspace(beta_1, beta_T, num=T)))"},
    "ex2_reponse": {0: "alpha = np.subtract(1.0, beta)",
                    1: "alpha_barre = np.multiply.accumulate(alpha)",
                    2: "mu_x_T = alpha_barre[T] ** 0.5",
                    3: "sigma_x_T = 1.0 - alpha_barre[-1]"},
    "ex3_reponse": {1: "    epsilon = np.random.standard_normal(size=(28, 28))",
                    2: "    x[t] = alpha[t] ** 0.5 * x[t-1] + beta[t] ** 0.5 * epsilon"},
    "ex4_reponse": {1: "    epsilon = np.random.standard_normal(size=(28, 28))",
                    2: "    x[t] = alpha_barre[t] ** 0.5 * x_0 + (1.0 - alpha_barre[t]) ** 0.5 * epsilon"},
    "ex5_reponse": {0: "        self.alpha = np.subtract(1.0, self.beta)",
                    1: "        self.alpha_barre = np.multiply.accumulate(self.alpha)"},
    "ex8_reponse": {1: "    z = np.random.standard_normal(size=(28, 28))"},
    "ex9_reponse": {0: "x_T = np.random.standard_normal(size=(50, 28, 28))",
                    2: "    z = np.random.standard_normal(size=(50, 28, 28))"},
}
#: Code facultatif de l'étudiante inhabituelle (cellule ``complementaire_code``), non exécuté.
CODE_FACULTATIF = [
    "def afficher_grille(images, lignes=5, colonnes=10):",
    "    fig, axes = plt.subplots(lignes, colonnes, figsize=(2 * colonnes, 2 * lignes))",
    "    for image, axe in zip(images, axes.ravel()):",
    "        axe.imshow(image, cmap='gray_r')",
    "        axe.set_axis_off()",
    "    return fig",
]


@dataclass(frozen=True)
class EtudiantDemo:
    """Une remise de la classe de démonstration."""
    nom: str
    participant: int
    role: str
    chemin: Path


@dataclass(frozen=True)
class ClasseDemo:
    """La classe écrite par :func:`ecrire_classe_demo`."""
    dossier: Path
    etudiants: tuple
    #: Les deux étudiants qui partagent des réponses inhabituelles (l'original, puis la copie).
    paire_copiee: tuple

    def nom(self, role):
        return next(e.nom for e in self.etudiants if e.role == role)


def maquiller(ligne: str) -> str:
    """La même ligne, espaces autour des opérateurs retirés et commentaire ajouté."""
    retrait = ligne[:len(ligne) - len(ligne.lstrip())]
    code = re.sub(r"\s*([=+*/,])\s*", r"\1", ligne.strip())
    return f"{retrait}{code}  # d'après mes notes"


def _avec_code_facultatif(nb: dict, lignes: list) -> dict:
    for cellule in nb["cells"]:
        if cellule.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "complementaire_code":
            cellule["source"] = source(cellule).rstrip("\n") + "\n" + "\n".join(lignes)
    return nb


def _commentaires_reecrits(nb: dict) -> dict:
    """Les commentaires des cellules de réponse réécrits, comme le ferait un copieur prudent."""
    for cellule in nb["cells"]:
        if cellule.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cellule["source"] = "\n".join(
                re.sub(r"^(\s*)#(?!##).*$", r"\1# (à revoir)", ligne) for ligne in source(cellule).splitlines())
    return nb


def _remises(taille: int):
    """(nom, rôle, notebook) des ``taille`` étudiants de la classe."""
    copie = {gid: {k: maquiller(ligne) for k, ligne in trous.items()} for gid, trous in REPONSES_INHABITUELLES.items()}
    yield "Camille Durand", "complete", remise()
    yield "Hugo Bernard", "vierge", notebook_etudiant()
    yield "Léa Petit", "erreur alpha_barre (somme)", remise(ERREUR_CUMSUM)
    yield "Nathan Moreau", "erreur boucle sans t = 1", remise(ERREUR_BOUCLE)
    yield "Inès Lefèvre", "inhabituelle", _avec_code_facultatif(remise(REPONSES_INHABITUELLES), CODE_FACULTATIF)
    yield "Lucas Garnier", "copie maquillée", _commentaires_reecrits(
        _avec_code_facultatif(remise(copie), [maquiller(ligne) if ligne.startswith(" ") else ligne
                                              for ligne in CODE_FACULTATIF]))
    autres = [("Chloé Roux", "complete", {}), ("Jules Fournier", "erreur variance", ERREUR_ECART_TYPE),
              ("Manon Girard", "complete", {}), ("Théo Lambert", "erreur beta sans 0", ERREUR_BETA)]
    for i in range(taille - 6):
        nom, role, erreurs = autres[i % len(autres)]
        yield (nom if i < len(autres) else f"{nom} {i // len(autres) + 1}"), role, remise(erreurs)


def ecrire_classe_demo(dossier: Path, *, taille: int = 8) -> ClasseDemo:
    """Écrit dans ``dossier`` une classe de ``taille`` remises (au moins 6) nommées comme Moodle.

    Renvoie la description de la classe (noms, rôles, numéros de participant, chemins).
    """
    if taille < 6:
        raise ValueError(f"La classe de démonstration compte au moins 6 remises (demandé : {taille}).")
    dossier = Path(dossier)
    etudiants = []
    for i, (nom, role, nb) in enumerate(_remises(taille)):
        participant = 482101 + 7 * i
        chemin = ecrire(nb, dossier / f"{nom}_{participant}_assignsubmission_file_" / f"{ASSIGNMENT}.ipynb")
        etudiants.append(EtudiantDemo(nom, participant, role, chemin))
    return ClasseDemo(dossier, tuple(etudiants), ("Inès Lefèvre", "Lucas Garnier"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.correction.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--dossier", type=Path, default=BUILD / "demo", help="dossier de la démonstration")
    parser.add_argument("--taille", type=int, default=8, help="nombre de remises (au moins 6)")
    args = parser.parse_args(argv)
    from autograder.correction.classe import main as corriger

    # Chemins absolus : le bac à sable de la correction monte le dossier de chaque copie par son chemin.
    dossier = args.dossier.resolve()
    remises, resultats = dossier / "remises", dossier / "resultats"
    classe = ecrire_classe_demo(remises, taille=args.taille)
    print(f"Classe de démonstration : {len(classe.etudiants)} remises nommées comme Moodle "
          f"dans {os.path.relpath(remises)}")
    for etudiant in classe.etudiants:
        print(f"  {etudiant.nom} : {etudiant.role}")
    code = corriger([str(remises), "--sortie", str(resultats)])
    if code:
        return code
    print("\nÀ regarder :")
    for titre, chemin in [("rapport de la classe", resultats / "rapport_classe.html"),
                          ("retour d'un étudiant",
                           resultats / "feedback" / f"{classe.nom('erreur alpha_barre (somme)')}.html"),
                          ("notes", resultats / "notes.csv"), ("import Moodle", resultats / "moodle.csv"),
                          ("réponses partagées", resultats / "similarites.csv")]:
        print(f"  {titre:22} {os.path.relpath(chemin)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
