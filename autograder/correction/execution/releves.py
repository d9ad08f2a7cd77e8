"""Les données d'une remise : ce que le noyau de l'étudiant doit relever, et leur relecture.

La correction se fait en deux temps, dans deux processus :

1. **exécution** (noyau de l'étudiant, bac à sable) : le *carnet d'exécution* est la remise où
   chaque cellule de vérification notée est remplacée par un **relevé** — la partie
   « extraction » de la vérification (code fourni qui appelle le code de l'étudiant, p. ex. sa
   ``DiffusionSequence`` sur des images choisies à la correction), puis l'écriture des variables
   dont le jugement a besoin, en ``.npz`` (sans pickle) et ``.json``. Aucune ligne de test caché
   n'entre dans ce noyau ;
2. **jugement** (``autograder.correction.jugement.juge``, un processus neuf) : les cellules de
   vérification du maître (tests cachés compris) s'exécutent sur ces données seules.

Une cellule de vérification se lit ainsi : tout ce qui précède la ligne ``MARQUEUR_JUGEMENT``
est l'extraction (elle n'a pas de test caché) ; tout le reste, ou toute la cellule sans
marqueur, est le jugement. Les variables à relever sont les noms *libres* du jugement (lus sans
y être définis), trouvés par ``symtable`` : l'équivalent des ``names_from_user`` de
PrairieLearn, déduit du code au lieu d'être recopié à la main.
"""
from __future__ import annotations

import ast
import builtins
import json
import os
import stat
import symtable
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.cellules import REGION, grade_id, meta_nbgrader, source

#: Ligne qui sépare, dans une cellule de vérification, l'extraction du jugement.
MARQUEUR_JUGEMENT = "# -- jugement --"
#: Noms que le juge fournit lui-même (jamais relevés dans le noyau de l'étudiant).
NOMS_DU_JUGE = frozenset({"np", "hashlib", "_CORRECTION"})
#: Noms du noyau qui ne sont pas des données (IPython) : jamais relevés ; absents chez le juge.
NOMS_DU_NOYAU = frozenset({"get_ipython"})
#: Cellule des outils des vérifications (fournie, verrouillée) : exécutée aussi par le juge.
OUTILS = "outils_verification"
#: Nom du relevé des cellules relancées avec d'autres paramètres.
VARIANTE = "variante"

#: Correction sans pénalité en cascade : après le relevé de ces cellules, les valeurs de
#: référence remplacent celles de l'étudiant dans son noyau (fichiers d'entrée du même nom).
INJECTIONS = {"ex1_verif": "_tp_injecter", "ex2b_verif": "_tp_injecter", "ex6_verif": "_tp_injecter_modele"}
#: Relevé dont l'extraction reçoit d'autres entrées, choisies à la correction.
REMPLACEMENTS = {"ex5b_verif": "images_ex5"}


def separer(texte: str) -> tuple[str, str]:
    """(extraction, jugement) d'une cellule de vérification."""
    lignes = texte.splitlines()
    for i, ligne in enumerate(lignes):
        if ligne.strip() == MARQUEUR_JUGEMENT:
            return "\n".join(lignes[:i]), "\n".join(lignes[i + 1:])
    return "", texte


def _sans_marqueurs(texte: str) -> str:
    """Le texte sans les lignes ``### BEGIN/END …`` (commentaires pour Python)."""
    return "\n".join(ligne for ligne in texte.splitlines() if not REGION.search(ligne))


_PORTEES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
            ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _lus_avant_affectation(texte: str) -> set[str]:
    """Noms lus au niveau du module par une instruction qu'aucune instruction précédente n'a
    affectés (``x = f(x)`` lit ``x`` avant de l'affecter). Une instruction composée compte en
    entier : l'approximation relève un nom de trop (sans effet), jamais un de moins."""
    affectes, lus = set(), set()
    for instruction in ast.parse(texte).body:
        charges, stockes, a_voir = set(), set(), [instruction]
        while a_voir:
            noeud = a_voir.pop()
            if isinstance(noeud, ast.Name):
                (charges if isinstance(noeud.ctx, ast.Load) else stockes).add(noeud.id)
            if isinstance(noeud, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                stockes.add(noeud.name)  # son corps : vu par symtable (portée à part)
            elif not isinstance(noeud, _PORTEES):
                a_voir += ast.iter_child_nodes(noeud)
        lus |= charges - affectes
        affectes |= stockes
    return lus


def lus_et_definis(texte: str) -> tuple[set[str], set[str]]:
    """(noms globaux lus avant d'être définis, noms définis au niveau du module) d'un code
    Python, portées comprises : un paramètre de fonction qui porte le nom d'une variable
    globale ne la masque pas ailleurs."""
    table = symtable.symtable(_sans_marqueurs(texte), "<cellule>", "exec")
    lus, definis = set(), set()
    for symbole in table.get_symbols():
        if symbole.is_referenced():
            lus.add(symbole.get_name())
        if symbole.is_assigned() or symbole.is_imported() or symbole.is_namespace():
            definis.add(symbole.get_name())
    a_voir = list(table.get_children())
    while a_voir:
        portee = a_voir.pop()
        for symbole in portee.get_symbols():
            if symbole.is_global() and symbole.is_referenced():
                lus.add(symbole.get_name())
        a_voir += portee.get_children()
    lus_avant = _lus_avant_affectation(_sans_marqueurs(texte))
    return (lus - definis) | lus_avant, definis


def globaux_des_fonctions(texte: str) -> dict[str, set[str]]:
    """{fonction ou classe du code : noms globaux qu'elle lit} (p. ex. ``verification_ex7`` lit
    ``model`` et ``T``)."""
    table = symtable.symtable(texte, "<outils>", "exec")
    resultat = {}
    for enfant in table.get_children():
        lus, a_voir = set(), [enfant]
        while a_voir:
            portee = a_voir.pop()
            lus |= {s.get_name() for s in portee.get_symbols() if s.is_global() and s.is_referenced()}
            a_voir += portee.get_children()
        resultat[enfant.get_name()] = lus
    return resultat


@dataclass
class Verification:
    """Une cellule de vérification notée du maître, prête pour les deux temps de la correction."""
    grade_id: str
    source: str            # source complète (tests cachés compris) : pour le juge seulement
    extraction: str
    jugement: str
    noms: list[str] = field(default_factory=list)


def verifications(cellules, outils_source: str) -> list[Verification]:
    """Les cellules notées (dans l'ordre) et les variables que chacune doit relever."""
    _, definis_outils = lus_et_definis(outils_source)
    globaux_outils = globaux_des_fonctions(outils_source)
    exclus = set(dir(builtins)) | NOMS_DU_JUGE | NOMS_DU_NOYAU | definis_outils
    resultat = []
    for cellule in cellules:
        meta = meta_nbgrader(cellule)
        if not (cellule.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution")):
            continue
        texte = source(cellule)
        extraction, jugement = separer(texte)
        lus, definis = lus_et_definis(jugement)
        vus = set()
        while lus & set(globaux_outils) - vus:  # fonctions des outils qui en appellent d'autres
            for nom in lus & set(globaux_outils) - vus:
                vus.add(nom)
                lus |= globaux_outils[nom]
        noms = sorted(lus - exclus)
        resultat.append(Verification(grade_id(cellule), texte, extraction, jugement, noms))
        exclus |= definis  # défini par une vérification précédente : c'est le juge qui l'a
    return resultat


# --------------------------------------------------------------------------- entrées du noyau
def ecrire_entrees(dossier: Path, nom: str, valeurs: dict) -> None:
    """Écrit des valeurs (tableaux NumPy, nombres) pour le noyau : ``nom.json`` + ``nom.npz``."""
    dossier.mkdir(parents=True, exist_ok=True)
    tableaux, description = {}, {}
    for cle, valeur in valeurs.items():
        if isinstance(valeur, np.ndarray):
            tableaux[cle] = valeur
            description[cle] = ["tableau", cle]
        else:
            description[cle] = ["valeur", valeur]
    np.savez(dossier / f"{nom}.npz", **tableaux)
    (dossier / f"{nom}.json").write_text(json.dumps(description), encoding="utf-8")


def lire_entrees(dossier: Path, nom: str) -> dict:
    """Relit ``ecrire_entrees`` (côté correcteur : tests, références)."""
    description = json.loads((dossier / f"{nom}.json").read_text(encoding="utf-8"))
    with np.load(dossier / f"{nom}.npz", allow_pickle=False) as tableaux:
        return {cle: (tableaux[v] if genre == "tableau" else v) for cle, (genre, v) in description.items()}


# --------------------------------------------------------------------------- cellules relancées
#: Paramètres de l'exercice 1 remplacés dans la cellule de l'étudiant relancée (exigence :
#: recopier les valeurs affichées dans « Résultat attendu » ne rapporte rien).
PARAMETRES_EX1 = ("T", "beta_1", "beta_T")


def tirer_variante(rng: np.random.Generator) -> dict:
    """T, beta_1, beta_T tirés à la correction (jamais ceux du notebook : 10, 0,1 et 0,8)."""
    T = int(rng.choice([n for n in range(5, 21) if n != 10]))
    beta_1 = round(float(rng.uniform(0.02, 0.2)), 3)
    beta_T = round(float(rng.uniform(0.45, 0.9)), 3)
    return {"T": T, "beta_1": beta_1, "beta_T": beta_T}


def reecrire_parametres(texte: str, valeurs: dict) -> str:
    """La cellule de l'étudiant, ses affectations de ``valeurs`` (au niveau du module)
    remplacées par les nouvelles valeurs, et ces valeurs posées en tête."""
    tete = "".join(f"{nom} = {valeur!r}\n" for nom, valeur in valeurs.items())
    try:
        arbre = ast.parse(texte)
    except SyntaxError:
        return tete + texte  # l'exécution relancée échouera comme l'originale
    for noeud in arbre.body:
        if (isinstance(noeud, ast.Assign) and len(noeud.targets) == 1
                and isinstance(noeud.targets[0], ast.Name) and noeud.targets[0].id in valeurs):
            noeud.value = ast.Constant(valeurs[noeud.targets[0].id])
    return tete + ast.unparse(arbre)


# --------------------------------------------------------------------------- relecture (juge)
@dataclass
class Releve:
    """Un relevé relu : ``valeurs`` (noms relevés -> objets Python ; un nom demandé mais
    inexistant dans le noyau n'y est pas), ``erreur`` de l'extraction, état du générateur global."""
    valeurs: dict
    erreur: dict | None
    rng: tuple | None


class ValeurInconnue:
    """Ce que le relevé n'a pas pu transmettre (un objet qui n'est pas une donnée simple)."""

    def __init__(self, nom):
        self.nom = nom

    def __repr__(self):
        return f"<{self.nom} (non relevé)>"


#: Tailles maximales d'un relevé (le plus gros, les poids du U-Net et 50 appels au réseau, fait
#: quelques dizaines de Mo) : au-delà, le juge ne le lit pas.
MAX_OCTETS_JSON = 16 * 2**20
MAX_OCTETS_NPZ = 512 * 2**20


def _releve_suspect(chemin_json: Path, chemin_npz: Path) -> str | None:
    """Pourquoi ce relevé ne doit pas être lu (None : il peut l'être). Le noyau de l'étudiant
    écrit son dossier : un tube nommé ou un lien vers ``/dev/zero`` bloquerait le juge, une
    archive démesurée épuiserait sa mémoire."""
    for chemin, maximum in ((chemin_json, MAX_OCTETS_JSON), (chemin_npz, MAX_OCTETS_NPZ)):
        try:
            etat = os.lstat(chemin)
        except OSError:
            return f"{chemin.name} absent"
        if not stat.S_ISREG(etat.st_mode):
            return f"{chemin.name} n'est pas un fichier ordinaire"
        if etat.st_size > maximum:
            return f"{chemin.name} dépasse {maximum // 2**20} Mio"
    try:
        with zipfile.ZipFile(chemin_npz) as archive:
            if sum(membre.file_size for membre in archive.infolist()) > MAX_OCTETS_NPZ:
                return f"{chemin_npz.name} dépasse {MAX_OCTETS_NPZ // 2**20} Mio une fois décompressé"
    except (OSError, zipfile.BadZipFile) as erreur:
        return f"{chemin_npz.name} : {type(erreur).__name__}"
    return None


def lire_releve(dossier: Path, nom: str, reseau=None) -> Releve | None:
    """Relit le relevé ``nom`` ; ``reseau(poids, appels)`` reconstruit un réseau relevé.
    None si le relevé n'existe pas (la cellule de relevé n'a pas tourné)."""
    chemin_json = Path(dossier) / f"{nom}.json"
    if not chemin_json.exists() and not chemin_json.is_symlink():
        return None
    probleme = _releve_suspect(chemin_json, Path(dossier) / f"{nom}.npz")
    if probleme:
        return Releve({}, {"ename": "RelevéInvalide", "evalue": f"relevé illisible ({probleme}) : cellule non notée."},
                      None)
    description = json.loads(chemin_json.read_text(encoding="utf-8"))
    with np.load(Path(dossier) / f"{nom}.npz", allow_pickle=False) as npz:
        tableaux = {cle: npz[cle] for cle in npz.files}

    def objet(d):
        genre = d.get("type")
        if genre == "tableau":
            return tableaux[d["cle"]]
        if genre == "scalaire":
            return tableaux[d["cle"]][()]
        if genre == "ellipsis":
            return ...
        if genre == "none":
            return None
        if genre == "bool":
            return bool(d["valeur"])
        if genre == "int":
            return int(d["valeur"])
        if genre == "float":
            return float(d["valeur"])
        if genre == "str":
            return str(d["valeur"])
        if genre in ("liste", "tuple"):
            elements = [objet(e) for e in d["elements"]]
            return elements if genre == "liste" else tuple(elements)
        if genre == "dict":
            return {k: objet(v) for k, v in d["elements"].items()}
        if genre == "reseau":
            poids = [objet(p) for p in d["poids"]]
            appels = None if d.get("appels") is None else [
                (objet(a["x"]), objet(a["t"]), bool(a["reussi"])) for a in d["appels"]]
            return reseau(poids, appels) if reseau else ValeurInconnue("réseau")
        return ValeurInconnue(str(d.get("nom", "objet")))

    valeurs = {n: objet(d) for n, d in description.get("valeurs", {}).items()}
    rng = description.get("rng")
    etat = tuple(objet(rng)) if rng else None
    return Releve(valeurs, description.get("erreur"), etat)
