"""Réponses partagées : quelles paires d'étudiants ont écrit les mêmes réponses *rares* ?

Dans un TP à trous, tous les étudiants qui réussissent écrivent presque les mêmes lignes :
une similarité brute accuserait toute la classe. On pondère donc par la rareté :

1. **Ce que l'étudiant a écrit** : ses cellules de réponse et ses cellules facultatives
   (cellules nbgrader « solution »), découpées en instructions. Chaque instruction est
   normalisée par l'arbre syntaxique de Python (``ast.unparse``, puis espaces retirés) :
   espaces, commentaires, guillemets, retours à la ligne dans une parenthèse et docstrings
   ne comptent pas. Une cellule qui ne s'analyse pas est découpée ligne par ligne
   (commentaires et espaces retirés). Une instruction est repérée par sa cellule
   (``ex3_reponse``…) : la même ligne dans deux exercices compte deux fois.
2. **Jamais une preuve** : les instructions du notebook distribué (le gabarit) et celles du
   maître (réponses de référence) ; partager la réponse attendue n'est pas suspect.
3. **Rareté** : une instruction écrite par n étudiants sur N pèse log(N / n) ; écrite par
   tous, elle pèse 0.
4. **Score d'une paire** : somme des poids des instructions qu'ils ont tous deux écrites,
   divisée par log(N / 2), le poids d'une instruction que seuls ces deux-là ont écrite. Le
   score se lit donc « autant que k instructions que personne d'autre n'a écrites ».
5. **Seuil** : :data:`SEUIL` = 5. Une erreur typique partagée par 3 étudiants sur 30 vaut
   0,85 ; il faut donc, par exemple, cinq lignes que personne d'autre n'a écrites. Un
   signalement est une raison de regarder les deux copies, pas un verdict.

Pourquoi pas une bibliothèque : ``copydetect`` (empreintes « winnowing » de MOSS) compare
des fichiers entiers et pondère mal ce qu'un TP à trous impose à tous ; ici les réponses
sont des lignes isolées, que l'arbre syntaxique normalise mieux qu'un découpage en k-grammes,
et tout tient en une centaine de lignes sans dépendance.
"""
import ast
import csv
import io
import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from autograder.cellules import grade_id, source
from autograder.chemins import NOTEBOOK_ETUDIANT, NOTEBOOK_MAITRE
from autograder.correction.sorties.resultats import copies_notees, lire_notebook

#: Score minimal d'une paire signalée, en « instructions que seuls ces deux-là ont écrites ».
SEUIL = 5.0
#: En dessous de cette taille de classe, la rareté ne veut rien dire : pas d'analyse.
CLASSE_MINIMALE = 3
COLONNES = ["etudiant_a", "etudiant_b", "score", "exercices", "extrait"]
_MAGIE = re.compile(r"^\s*[%!]")


@dataclass(frozen=True)
class Unite:
    """Une instruction écrite par un étudiant : cellule, forme normalisée, texte d'origine."""
    cellule: str
    cle: str
    texte: str
    #: Lignes de la cellule (à partir de 1) qu'occupe l'instruction.
    debut: int
    fin: int


@dataclass(frozen=True)
class Commune:
    """Une instruction écrite par les deux étudiants d'une paire."""
    cellule: str
    poids: float
    #: Nombre d'étudiants de la classe qui l'ont écrite.
    frequence: int
    a: Unite
    b: Unite


@dataclass(frozen=True)
class Paire:
    etudiant_a: str
    etudiant_b: str
    score: float
    communes: tuple

    @property
    def exercices(self) -> tuple:
        return tuple(sorted({exercice_de_cellule(c.cellule) for c in self.communes}, key=_ordre_exercice))

    def extrait(self, nombre: int = 3, longueur: int = 300) -> str:
        """Les ``nombre`` instructions communes les plus rares, comme les a écrites l'étudiant a."""
        ordre = sorted(self.communes, key=lambda c: (-round(c.poids, 9),
                                                     _ordre_exercice(exercice_de_cellule(c.cellule)),
                                                     c.cellule, c.a.debut))
        lignes = [" ".join(c.a.texte.split()) for c in ordre[:nombre]]
        texte = " | ".join(lignes)
        return texte if len(texte) <= longueur else texte[:longueur - 1] + "…"


def exercice_de_cellule(cellule: str) -> str:
    """``"ex3_reponse"`` -> ``"ex3"`` ; une cellule facultative -> ``"facultatif"``."""
    correspondance = re.match(r"^(ex\d+)", cellule or "")
    return correspondance[1] if correspondance else "facultatif"


def _ordre_exercice(nom):
    return (0, int(nom[2:])) if nom.startswith("ex") else (1, 0)


def _sans_espaces(code: str) -> str:
    return re.sub(r"\s+", "", code.replace('"', "'"))


def _instructions(corps):
    """Instructions d'une liste de nœuds : les simples, et l'en-tête des composées."""
    for noeud in corps:
        sous_corps = [getattr(noeud, nom, None) for nom in ("body", "orelse", "finalbody", "handlers", "cases")]
        sous_corps = [s for s in sous_corps if isinstance(s, list) and s]
        if isinstance(noeud, ast.Expr) and isinstance(noeud.value, ast.Constant) and isinstance(noeud.value.value, str):
            continue  # docstring ou chaîne isolée : un commentaire
        if sous_corps and not isinstance(noeud, ast.ExceptHandler | ast.match_case):
            yield noeud, True
        elif not sous_corps:
            yield noeud, False
        for s in sous_corps:
            yield from _instructions(s)


def unites(texte: str, cellule: str = "") -> list:
    """Les instructions de ``texte`` (source d'une cellule), normalisées (voir le module)."""
    lignes = texte.splitlines()
    try:
        arbre = ast.parse("\n".join("" if _MAGIE.match(ligne) else ligne for ligne in lignes))
    except (SyntaxError, ValueError):
        resultat = []
        for numero, ligne in enumerate(lignes, 1):
            cle = _sans_espaces(re.sub(r"#.*$", "", ligne))
            if cle:
                resultat.append(Unite(cellule, cle, ligne.strip(), numero, numero))
        return resultat
    resultat = []
    for noeud, compose in _instructions(arbre.body):
        forme = ast.unparse(noeud)
        if compose:  # « for t in range(T, 0, -1) : » sans son corps
            forme = forme.splitlines()[0]
            fin = noeud.lineno
        else:
            fin = noeud.end_lineno or noeud.lineno
        texte_origine = "\n".join(ligne.rstrip() for ligne in lignes[noeud.lineno - 1:fin]).strip()
        resultat.append(Unite(cellule, _sans_espaces(forme), texte_origine, noeud.lineno, fin))
    return resultat


def cellules_de_reponse(nb: dict) -> dict:
    """``{grade_id: source}`` des cellules de réponse et facultatives (nbgrader « solution »)."""
    return {grade_id(c): source(c) for c in nb.get("cells", [])
            if c.get("cell_type") == "code" and c.get("metadata", {}).get("nbgrader", {}).get("solution")}


def cles_exclues(*notebooks: dict) -> set:
    """Formes normalisées de toutes les instructions des cellules de réponse des ``notebooks``."""
    return {u.cle for nb in notebooks for texte in cellules_de_reponse(nb).values() for u in unites(texte)}


def comparer(reponses: dict, *, exclues: set, seuil: float = SEUIL) -> list:
    """Paires signalées, de la plus à la moins suspecte.

    ``reponses`` : ``{étudiant: {grade_id: source de la cellule}}`` pour toute la classe
    (copies vierges comprises : elles comptent dans N). ``exclues`` : formes normalisées qui
    ne sont jamais une preuve (gabarit, réponses de référence ; voir :func:`cles_exclues`).
    """
    n = len(reponses)
    if n < CLASSE_MINIMALE:
        return []
    ecrites = {}
    for etudiant, cellules in reponses.items():
        par_cle = {}
        for cellule, texte in cellules.items():
            for u in unites(texte, cellule):
                if u.cle not in exclues:
                    par_cle.setdefault((cellule, u.cle), u)
        ecrites[etudiant] = par_cle
    frequence = Counter(cle for par_cle in ecrites.values() for cle in par_cle)
    unite_de_paire = math.log(n / 2)
    paires = []
    for a, b in combinations(sorted(reponses), 2):
        communes = [Commune(cle[0], math.log(n / frequence[cle]), frequence[cle], ecrites[a][cle], ecrites[b][cle])
                    for cle in ecrites[a].keys() & ecrites[b].keys()]
        score = sum(c.poids for c in communes) / unite_de_paire
        if score >= seuil:
            communes.sort(key=lambda c: (c.cellule, c.a.debut))
            paires.append(Paire(a, b, round(score, 1), tuple(communes)))
    return sorted(paires, key=lambda p: (-p.score, p.etudiant_a, p.etudiant_b))


def texte_csv(paires: list) -> str:
    """similarites.csv : une ligne par paire signalée (en-tête seul si aucune)."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, lineterminator="\n")
    ecrivain.writerow(COLONNES)
    for p in paires:
        ecrivain.writerow([p.etudiant_a, p.etudiant_b, f"{p.score:.1f}", " ".join(p.exercices), p.extrait()])
    return tampon.getvalue()


def reponses_de_la_classe(sortie: Path, etudiants) -> dict:
    """``{étudiant: {grade_id: source}}`` lus dans les notebooks corrigés de OUT."""
    reponses = {}
    for etudiant, copie in copies_notees(sortie, etudiants).items():
        nb = lire_notebook(copie.notebook)
        reponses[etudiant] = cellules_de_reponse(nb) if nb else {}
    return reponses


def ecrire_similarites(*, sortie: Path, lignes: list, seuil: float = SEUIL) -> list:
    """Écrit ``OUT/similarites.csv`` pour les étudiants de ``lignes`` ; renvoie les paires signalées."""
    from autograder.correction.sorties.archives import ecrire_atomique

    exclues = cles_exclues(lire_notebook(NOTEBOOK_ETUDIANT) or {}, lire_notebook(NOTEBOOK_MAITRE) or {})
    paires = comparer(reponses_de_la_classe(Path(sortie), [ligne["student_id"] for ligne in lignes]),
                      exclues=exclues, seuil=seuil)
    ecrire_atomique(Path(sortie) / "similarites.csv", texte_csv(paires))
    return paires
