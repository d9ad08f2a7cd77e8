"""Empreintes des vérifications visibles du maître, recalculées à partir du planning du bruit.

Usage : ``python -m autograder.distribution.empreintes [--verifier | --ecrire]``

Les cellules de vérification visibles (``ex2b_verif``, ``ex3_verif``…) jugent les résultats des
étudiants sans montrer de formule : elles comparent des nombres à des empreintes (hachages)
écrites en clair dans le maître. Ce module recalcule chacune de ces empreintes à partir du
planning (T, beta_1, beta_T) :

- ``--verifier`` (par défaut) : échoue (code 1) en nommant chaque table qui diffère du maître,
  chaque table attendue introuvable et chaque table d'empreintes que ce module ne sait pas
  calculer ; n'écrit rien ;
- ``--ecrire`` : réécrit en place, dans le maître, les seules tables qui diffèrent (même format
  de ligne, même écriture JSON que ``nbformat.write``) ; ensuite ``make student``.

Sources uniques de vérité, toutes deux lues dans le maître, rien n'y est recopié :

- le planning : les constantes ``T``, ``beta_1``, ``beta_T`` de la cellule ``ex1_reponse``
  (``beta = [0, linspace(beta_1, beta_T, T)]``, ``alpha = 1 - beta``,
  ``alpha_barre = cumprod(alpha)``, calculés comme dans le maître) ;
- la fonction d'empreinte : ``_empreinte`` est lue dans la cellule ``outils_verification`` et
  exécutée telle quelle (avec les imports de cette cellule). La recopier ici laisserait deux
  définitions diverger sans bruit (arrondi, format, longueur du hachage) ; la lire garantit que
  les tables sont calculées par la fonction même qui les compare dans le notebook.

Ce que chaque table encode, par étape t = 1, ..., T (3 décimales ; voir ``TABLES``) : les
coefficients attendus de la décomposition (moindres carrés, ``_coefficients``) du résultat de
l'étudiant, et ceux des erreurs typiques reconnues. Les empreintes scalaires (9 décimales ;
voir ``SCALAIRES``) sont alpha_barre_T (``ex2b_verif``, ``ex5b_verif``), la moyenne, la variance
et l'écart-type (erreur typique) de x_T pour x_0 = 1 (``ex2b_verif``). Aucune ne dépend d'un tirage
aléatoire : les bruits rejoués par les graines sont des termes de la décomposition, pas des
valeurs hachées.

Ce qui reste à la main si le planning change : la référence cachée de ``ex1_verif``
(``_BETA_REF``, signalée ici si elle diffère ; les valeurs injectées à la correction viennent du
maître lui-même : ``autograder/correction/jugement/references.py``) et les
textes qui citent les valeurs.
"""
import argparse
import ast
import hashlib
import re
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import nbformat
import numpy as np

from autograder.cellules import grade_id, source
from autograder.chemins import NOTEBOOK_MAITRE, RACINE

DECIMALES_TABLES = 3      # _reconnu(_a, _ATTENDU[_t][0]) : décimales par défaut de _empreinte
DECIMALES_SCALAIRES = 9   # _reconnu(alpha_barre[T], {'…'}, 9)

#: Une table littérale d'empreintes : ``_NOM = {`` puis une ligne ``    t: ({'…'}, {'…'},),`` par étape.
MOTIF_TABLE = re.compile(r"^(?P<nom>_[A-Z_]+) = \{\n(?P<corps>(?:    \d+: \(.*\),\n)*)\}$", re.M)
#: Une empreinte scalaire littérale : ``[assert not ]_reconnu(expression, {'…'}, décimales)`` ; « assert not »
#: distingue l'erreur typique (l'écart-type de ``assert not _reconnu(sigma_x_T, …)``) de la valeur attendue.
MOTIF_SCALAIRE = re.compile(r"(?P<non>assert not )?_reconnu\((?P<expr>[^,()]+(?:\[[^\]]*\])?), "
                            r"\{(?P<empreintes>'[0-9a-f]+'(?:, '[0-9a-f]+')*)\}, (?P<decimales>\d+)\)")


@dataclass(frozen=True)
class Planning:
    """Le planning du bruit, calculé comme dans le maître (exercices 1 et 2)."""
    T: int
    beta_1: float
    beta_T: float

    @cached_property
    def beta(self):
        return np.concatenate([[0.], np.linspace(self.beta_1, self.beta_T, self.T)])

    @cached_property
    def alpha(self):
        return 1 - self.beta

    @cached_property
    def alpha_barre(self):
        return np.cumprod(self.alpha)


# Coefficients par étape t : un tuple de colonnes, chacune la liste des valeurs acceptées.
def _progressif(p, t):
    """ex3 : x_t = a x_(t-1) + b epsilon_t, a = racine(alpha_t), b = racine(beta_t)."""
    return [np.sqrt(p.alpha[t])], [np.sqrt(p.beta[t])]


def _direct(p, t):
    """ex4, ex5b : x_t = a x_0 + b epsilon, a = racine(alpha_barre_t), b = racine(1 - alpha_barre_t)."""
    return [np.sqrt(p.alpha_barre[t])], [np.sqrt(1 - p.alpha_barre[t])]


def _x0_chapeau(p, t):
    """ex7 : x^_0 = a x_t + b epsilon_theta, a = 1 / racine(alpha_barre_t), b = -racine(1 - alpha_barre_t) a."""
    return [1 / np.sqrt(p.alpha_barre[t])], [-np.sqrt(1 - p.alpha_barre[t]) / np.sqrt(p.alpha_barre[t])]


def _algorithme_2(p, t):
    """ex8, ex9 : x_(t-1) = a x_t + b epsilon_theta + c z (algorithme 2) ; a = 1 / racine(alpha_t),
    b = -beta_t / (racine(1 - alpha_barre_t) racine(alpha_t)), c = sigma_t avec sigma_t² = beta_t
    (algorithme 2) ou sigma_t² = beta~_t = beta_t (1 - alpha_barre_(t-1)) / (1 - alpha_barre_t), les deux acceptés."""
    b, ab = p.beta, p.alpha_barre
    return ([1 / np.sqrt(p.alpha[t])], [-b[t] / np.sqrt(1 - ab[t]) / np.sqrt(p.alpha[t])],
            [np.sqrt(b[t]), np.sqrt(b[t] * (1 - ab[t - 1]) / (1 - ab[t]))])


def _faute_bruit(p, t):
    """ex3, erreur typique : beta_t au lieu de sa racine devant epsilon."""
    return ([p.beta[t]],)


def _faute_alpha(p, t):
    """ex4, erreur typique : racine(alpha_t) au lieu de racine(alpha_barre_t) devant x_0."""
    return ([np.sqrt(p.alpha[t])],)


def _faute_racine(p, t):
    """ex7, erreur typique : division par alpha_barre_t au lieu de sa racine."""
    return ([1 / p.alpha_barre[t]],)


def _faute_alpha_barre(p, t):
    """ex9, erreur typique : division par racine(alpha_barre_t) au lieu de racine(alpha_t)."""
    return ([1 / np.sqrt(p.alpha_barre[t])],)


#: grade_id -> nom de la table -> coefficients de l'étape t.
TABLES = {
    "ex3_verif": {"_ATTENDU": _progressif, "_FAUTE_BRUIT": _faute_bruit},
    "ex4_verif": {"_ATTENDU": _direct, "_FAUTE_ALPHA": _faute_alpha},
    "ex5b_verif": {"_ATTENDU": _direct},
    "ex7_verif": {"_ATTENDU": _x0_chapeau, "_FAUTE_RACINE": _faute_racine},
    "ex8_verif": {"_ATTENDU": _algorithme_2},
    "ex9_verif": {"_ATTENDU": _algorithme_2, "_FAUTE_ALPHA_BARRE": _faute_alpha_barre},
}

#: grade_id -> (« assert not » ou « », expression comparée) -> valeur attendue (9 décimales).
SCALAIRES = {
    "ex2b_verif": {
        ("", "alpha_barre[T]"): lambda p: p.alpha_barre[p.T],
        ("", "mu_x_T"): lambda p: np.sqrt(p.alpha_barre[p.T]),                 # moyenne de x_T si x_0 = 1
        ("assert not ", "sigma_x_T"): lambda p: np.sqrt(1 - p.alpha_barre[p.T]),      # écart-type : erreur typique
        ("", "sigma_x_T"): lambda p: 1 - p.alpha_barre[p.T],                   # variance
    },
    "ex5b_verif": {("", "alpha_barre[T]"): lambda p: p.alpha_barre[p.T]},
}


class MaitreIllisible(ValueError):
    """Le maître ne contient pas ce qu'il faut pour calculer les empreintes (message en français)."""


def _cellule(nb, identifiant):
    for cellule in nb.cells:
        if grade_id(cellule) == identifiant:
            return cellule
    raise MaitreIllisible(f"cellule « {identifiant} » introuvable dans le maître.")


def _constantes(texte):
    """Affectations ``nom = constante`` au premier niveau d'un code source."""
    return {cible.id: noeud.value.value for noeud in ast.parse(texte).body if isinstance(noeud, ast.Assign)
            for cible in noeud.targets if isinstance(cible, ast.Name) and isinstance(noeud.value, ast.Constant)}


def planning_du_maitre(nb) -> Planning:
    """Le planning écrit dans la cellule ``ex1_reponse`` du maître."""
    constantes = _constantes(source(_cellule(nb, "ex1_reponse")))
    manquent = [nom for nom in ("T", "beta_1", "beta_T") if nom not in constantes]
    if manquent:
        raise MaitreIllisible(f"ex1_reponse ne donne pas {', '.join(manquent)} comme constante(s) (nom = valeur).")
    return Planning(int(constantes["T"]), float(constantes["beta_1"]), float(constantes["beta_T"]))


def fonction_empreinte(nb):
    """La fonction ``_empreinte`` de la cellule ``outils_verification``, exécutée telle quelle."""
    arbre = ast.parse(source(_cellule(nb, "outils_verification")))
    garde = [n for n in arbre.body if isinstance(n, (ast.Import, ast.ImportFrom))
             or (isinstance(n, ast.FunctionDef) and n.name == "_empreinte")]
    if not any(isinstance(n, ast.FunctionDef) for n in garde):
        raise MaitreIllisible("la cellule outils_verification ne définit plus _empreinte.")
    espace = {"np": np, "hashlib": hashlib}
    exec(compile(ast.Module(body=garde, type_ignores=[]), "outils_verification", "exec"), espace)
    return espace["_empreinte"]


def _unique(valeurs):
    return list(dict.fromkeys(valeurs))


def tables_calculees(planning: Planning, empreinte) -> dict:
    """grade_id -> nom -> {t: tuple de listes d'empreintes}, pour t = 1, ..., T."""
    return {gid: {nom: {t: tuple(_unique(empreinte(v, DECIMALES_TABLES) for v in colonne)
                                 for colonne in coefficients(planning, t))
                        for t in range(1, planning.T + 1)}
                  for nom, coefficients in tables.items()}
            for gid, tables in TABLES.items()}


def scalaires_calcules(planning: Planning, empreinte) -> dict:
    """grade_id -> (« assert not » ou « », expression) -> empreinte à 9 décimales."""
    return {gid: {cle: empreinte(valeur(planning), DECIMALES_SCALAIRES) for cle, valeur in scalaires.items()}
            for gid, scalaires in SCALAIRES.items()}


def ecrire_table(nom: str, table: dict) -> str:
    """Le texte de la table, au format du maître : ``    t: ({'…'}, {'…', '…'},),``."""
    lignes = [f"    {t}: (" + ", ".join("{" + ", ".join(repr(e) for e in colonne) + "}" for colonne in colonnes) + ",),"
              for t, colonnes in sorted(table.items())]
    return f"{nom} = {{\n" + "".join(ligne + "\n" for ligne in lignes) + "}"


def _lire_table(corps):
    table = ast.literal_eval("{" + corps + "}")
    return {t: tuple(set(colonne) for colonne in colonnes) for t, colonnes in table.items()}


def _meme_table(ecrite, calculee):
    return ecrite == {t: tuple(set(colonne) for colonne in colonnes) for t, colonnes in calculee.items()}


@dataclass(frozen=True)
class Ecart:
    """Ce qui, dans le maître, n'est pas ce que donne le planning. ``genre`` : « différente »
    (``--ecrire`` la réécrit), « à la main » (hors des tables : à corriger soi-même) ou
    « illisible » (table inconnue ou introuvable : ``--ecrire`` n'écrit rien)."""
    grade_id: str
    nom: str
    message: str
    genre: str = "différente"

    def __str__(self):
        return f"{self.grade_id}, {self.nom} : {self.message}"


@dataclass
class Resultat:
    """Résultat de ``verifier`` ou ``ecrire`` : les écarts trouvés, et si le maître a été réécrit."""
    planning: Planning
    ecarts: list[Ecart]
    ecrit: bool = False

    @property
    def a_jour(self) -> bool:
        return not self.ecarts


def _etapes_differentes(ecrite, calculee):
    calculee = {t: tuple(set(c) for c in colonnes) for t, colonnes in calculee.items()}
    return sorted(t for t in set(ecrite) | set(calculee) if ecrite.get(t) != calculee.get(t))


def _traiter_tables(gid, texte, attendues):
    """(texte aux tables recalculées, écarts) pour les tables littérales d'une cellule."""
    ecarts, vues = [], set()

    def remplacer(m):
        nom = m["nom"]
        if nom not in attendues:
            if re.search(r"'[0-9a-f]{12}'", m["corps"]):
                ecarts.append(Ecart(gid, nom, "table d'empreintes que ce module ne sait pas calculer : "
                                    "ajoutez-la à TABLES dans autograder/distribution/empreintes.py.", "illisible"))
            return m[0]
        vues.add(nom)
        try:
            ecrite = _lire_table(m["corps"])
        except (ValueError, SyntaxError, TypeError):
            ecarts.append(Ecart(gid, nom, "table illisible (il faut une ligne par étape t, comme dans les autres "
                                "tables).", "illisible"))
            return m[0]
        if _meme_table(ecrite, attendues[nom]):
            return m[0]
        etapes = _etapes_differentes(ecrite, attendues[nom])
        ecarts.append(Ecart(gid, nom, "empreintes différentes aux étapes t = " + ", ".join(map(str, etapes)) + "."))
        return ecrire_table(nom, attendues[nom])

    texte = MOTIF_TABLE.sub(remplacer, texte)
    for nom in sorted(set(attendues) - vues):
        ecarts.append(Ecart(gid, nom, f"table introuvable (attendue sous la forme « {nom} = {{ » puis une ligne "
                                      "par étape t) : rien n'a été écrit.", "illisible"))
    return texte, ecarts


def _traiter_scalaires(gid, texte, attendues):
    """(texte aux empreintes scalaires recalculées, écarts) pour ``_reconnu(expr, {'…'}, 9)``."""
    ecarts, vues = [], set()

    def remplacer(m):
        cle = (m["non"] or "", m["expr"].strip())
        nom = f"{cle[0]}_reconnu({cle[1]}, …)"
        if cle not in attendues or int(m["decimales"]) != DECIMALES_SCALAIRES:
            ecarts.append(Ecart(gid, nom, "empreinte que ce module ne sait pas calculer "
                                f"(attendues : {sorted(attendues) or 'aucune'}, à {DECIMALES_SCALAIRES} décimales) : "
                                "ajoutez-la à SCALAIRES dans autograder/distribution/empreintes.py.", "illisible"))
            return m[0]
        vues.add(cle)
        if set(ast.literal_eval("{" + m["empreintes"] + "}")) == {attendues[cle]}:
            return m[0]
        ecarts.append(Ecart(gid, nom, "empreinte différente."))
        return m[0].replace("{" + m["empreintes"] + "}", "{" + repr(attendues[cle]) + "}")

    texte = MOTIF_SCALAIRE.sub(remplacer, texte)
    for cle in sorted(set(attendues) - vues):
        ecarts.append(Ecart(gid, f"{cle[0]}_reconnu({cle[1]}, …)", "empreinte introuvable : rien n'a été écrit.",
                            "illisible"))
    return texte, ecarts


def _coherence_ex1(nb, planning):
    """La référence cachée de ``ex1_verif`` (``np.linspace(beta_1, beta_T, T)``, mots-clés de
    ``_tp_apres_cette_cellule``) doit donner le même planning : à corriger à la main sinon."""
    attendu = {"T": planning.T, "beta_1": planning.beta_1, "beta_T": planning.beta_T}
    trouves = []
    for noeud in ast.walk(ast.parse(source(_cellule(nb, "ex1_verif")))):
        if not isinstance(noeud, ast.Call):
            continue
        nom = noeud.func.attr if isinstance(noeud.func, ast.Attribute) else getattr(noeud.func, "id", "")
        if nom == "linspace" and all(isinstance(a, ast.Constant) for a in noeud.args) and len(noeud.args) == 3:
            valeurs = (a.value for a in noeud.args)
            trouves.append(("np.linspace(…)", dict(zip(("beta_1", "beta_T", "T"), valeurs, strict=True))))
    return [Ecart("ex1_verif", appel, f"référence cachée {valeurs} différente du planning de ex1_reponse "
                                      f"{attendu} : à corriger à la main.", "à la main")
            for appel, valeurs in trouves if any(not np.isclose(v, attendu[k]) for k, v in valeurs.items())]


def _traiter(nb) -> tuple[Planning, list[Ecart]]:
    """Recalcule toutes les empreintes et les remplace dans ``nb`` (en mémoire) ; rend les écarts."""
    planning = planning_du_maitre(nb)
    empreinte = fonction_empreinte(nb)
    tables, scalaires = tables_calculees(planning, empreinte), scalaires_calcules(planning, empreinte)
    ecarts = _coherence_ex1(nb, planning)
    for gid in sorted(set(TABLES) | set(SCALAIRES)):
        _cellule(nb, gid)  # introuvable : MaitreIllisible
    for cellule in nb.cells:
        if cellule.cell_type != "code":
            continue
        gid = grade_id(cellule) or "(cellule sans grade_id)"
        texte, ecarts_tables = _traiter_tables(gid, source(cellule), tables.get(gid, {}))
        texte, ecarts_scalaires = _traiter_scalaires(gid, texte, scalaires.get(gid, {}))
        ecarts += ecarts_tables + ecarts_scalaires
        if texte != source(cellule):
            cellule.source = texte
    return planning, ecarts


def verifier(*, maitre: Path = NOTEBOOK_MAITRE) -> Resultat:
    """Compare les empreintes du maître à celles que donne son planning ; n'écrit rien."""
    nb = nbformat.read(maitre, as_version=nbformat.NO_CONVERT)
    planning, ecarts = _traiter(nb)
    return Resultat(planning, ecarts)


def ecrire(*, maitre: Path = NOTEBOOK_MAITRE) -> Resultat:
    """Réécrit dans le maître les tables qui diffèrent ; n'écrit rien si une table est illisible."""
    nb = nbformat.read(maitre, as_version=nbformat.NO_CONVERT)
    planning, ecarts = _traiter(nb)
    differentes = [e for e in ecarts if e.genre == "différente"]
    if not differentes or any(e.genre == "illisible" for e in ecarts):
        return Resultat(planning, ecarts)
    # Même écriture que nbformat.write (indentation 1, clés triées, UTF-8 non échappé), comme typographie.py.
    Path(maitre).write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return Resultat(planning, ecarts, ecrit=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--verifier", action="store_true", help="compare sans rien écrire (par défaut)")
    mode.add_argument("--ecrire", action="store_true", help="réécrit dans le maître les tables qui diffèrent")
    parser.add_argument("--maitre", type=Path, default=NOTEBOOK_MAITRE,
                        help="notebook maître (par défaut : %(default)s)")
    args = parser.parse_args(argv)
    try:
        resultat = (ecrire if args.ecrire else verifier)(maitre=args.maitre)
    except (MaitreIllisible, OSError, ValueError, SyntaxError) as erreur:
        print(f"Empreintes : {args.maitre} illisible : {erreur}", file=sys.stderr)
        return 1
    planning = f"T = {resultat.planning.T}, beta_1 = {resultat.planning.beta_1}, beta_T = {resultat.planning.beta_T}"
    nom = _affichable(args.maitre)
    if resultat.ecrit:
        print(f"Empreintes réécrites dans {nom} ({planning}) :")
        print("\n".join(f"  - {e}" for e in resultat.ecarts if e.genre == "différente"))
    restent = [e for e in resultat.ecarts if not (resultat.ecrit and e.genre == "différente")]
    if not restent:
        print("Lancez maintenant « make student »." if resultat.ecrit
              else f"Les empreintes de {nom} sont à jour ({planning}).")
        return 0
    print(f"{nom} n'est pas cohérent avec son planning ({planning}) :", file=sys.stderr)
    print("\n".join(f"  - {e}" for e in restent), file=sys.stderr)
    if any(e.genre == "illisible" for e in restent):
        print("Rien n'a été écrit : corrigez d'abord ces tables.", file=sys.stderr)
    elif any(e.genre == "différente" for e in restent):
        print("Lancez « make empreintes » pour réécrire les tables (puis relisez le diff du maître).", file=sys.stderr)
    else:
        print("Corrigez-le à la main, puis relancez « make empreintes ».", file=sys.stderr)
    return 1


def _affichable(chemin):
    """Le chemin relatif au dépôt s'il y est (messages sans chemin propre à la machine)."""
    try:
        return Path(chemin).resolve().relative_to(RACINE)
    except ValueError:
        return chemin

if __name__ == "__main__":
    sys.exit(main())
