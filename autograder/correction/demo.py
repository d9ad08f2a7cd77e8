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


#: Ce que chaque sortie de la correction contient (``inventaire``).
SORTIES = {
    "notes.csv": "une ligne par étudiant : points par exercice, note sur 20, statut, signalements",
    "moodle.csv": "import du carnet de notes Moodle par identifiant (pas pour un devoir Moodle)",
    "fiche_notes.csv": "la feuille d'évaluation hors ligne du devoir, remplie (make grade FICHE=…)",
    "retours_moodle.zip": "les retours HTML, à déposer dans le devoir Moodle (un dossier par participant)",
    "rapport_classe.html": "le rapport de la classe (étudiants, réussite, messages d'échec, réponses partagées)",
    "similarites.csv": "les paires de réponses partagées (une raison de regarder, pas un verdict)",
    "resume.png": "histogramme des notes et réussite par exercice",
    "ajustements.csv": "vos ajustements de notes et commentaires (à remplir, puis relancer)",
    "cours_correspondance.csv": "identifiants nbgrader des étudiants (formgrader, nbgrader export)",
    "feedback": "un retour HTML par étudiant",
    "cours": "le dossier de cours nbgrader de la classe (formgrader, nbgrader export)",
    "etat": "l'état de chaque remise (reprise de la correction)",
    "archives": "anciens résultats, jamais écrasés",
}


def _taille(octets: int) -> str:
    if octets < 1000:
        return f"{octets} o"
    return (f"{octets / 1e6:.1f} Mo" if octets >= 1e6 else f"{octets / 1e3:.0f} ko").replace(".", ",")


def ecrire_fiche_demo(chemin: Path, classe) -> Path:
    """La feuille d'évaluation hors ligne qu'un devoir Moodle en français donnerait pour la classe
    (un participant de plus, sans remise), pour montrer ``make grade FICHE=…``."""
    entete = ["Identifiant", "Nom complet", "Adresse de courriel", "Statut", "Note", "Note maximale",
              "La note peut être modifiée", "Dernière modification (travail remis)", "Dernière modification (note)",
              "Commentaires de feedback"]
    lignes = [[f"Participant {e.participant}", e.nom, f"etudiant{e.participant}@univ.example", "Remis pour évaluation",
               "", "20,00", "Oui", "lundi 2 juin 2025, 09:12", "-", ""] for e in classe.etudiants]
    lignes.append(["Participant 482999", "Absent Sans Remise", "absent@univ.example", "Pas de travail remis", "",
                   "20,00", "Oui", "-", "-", ""])
    texte = "\r\n".join(",".join(f'"{c}"' for c in ligne) for ligne in [entete, *lignes]) + "\r\n"
    Path(chemin).parent.mkdir(parents=True, exist_ok=True)
    Path(chemin).write_bytes("\ufeff".encode() + texte.encode("utf-8"))
    return Path(chemin)


def inventaire(resultats: Path) -> list[str]:
    """Une ligne par sortie de la correction dans ``resultats`` : nom, taille (ou nombre de fichiers), rôle."""
    lignes = []
    for chemin in sorted(Path(resultats).iterdir()):
        if chemin.name.startswith("."):
            continue
        if chemin.is_dir():
            fichiers = [f for f in chemin.rglob("*") if f.is_file()]
            taille = f"{len(fichiers)} fichier(s), {_taille(sum(f.stat().st_size for f in fichiers))}"
            nom = f"{chemin.name}/"
        else:
            taille, nom = _taille(chemin.stat().st_size), chemin.name
        role = SORTIES.get(chemin.name, "")
        lignes.append(f"{nom:26} {taille:24} {role}".rstrip())
    return lignes


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
    fiche = ecrire_fiche_demo(dossier / "feuille_evaluation_moodle.csv", classe)
    print(f"Feuille d'évaluation Moodle de la démonstration : {os.path.relpath(fiche)}")
    code = corriger([str(remises), "--sortie", str(resultats), "--fiche", str(fiche)])
    if code:
        return code
    print("\nÀ regarder :")
    for titre, chemin in [("rapport de la classe", resultats / "rapport_classe.html"),
                          ("retour d'un étudiant",
                           resultats / "feedback" / f"{classe.nom('erreur alpha_barre (somme)')}.html"),
                          ("notes", resultats / "notes.csv"),
                          ("retours pour Moodle", resultats / "retours_moodle.zip"),
                          ("notes pour Moodle", resultats / "fiche_notes.csv")]:
        print(f"  {titre:22} {os.path.relpath(chemin)}")
    print(f"\nTout ce que la correction a écrit dans {os.path.relpath(resultats)} :")
    for ligne in inventaire(resultats):
        print(f"  {ligne}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
