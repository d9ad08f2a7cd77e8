"""Le relevé, côté noyau de l'étudiant : ce module est COLLÉ tel quel dans la première cellule
du carnet d'exécution (``autograder.correction.execution.releves``), il n'est jamais importé par le noyau.

Il n'a donc besoin que de la bibliothèque standard et de NumPy, et tout ce qu'il définit porte
le préfixe ``_tp_``. Il ne contient aucun test : il ÉCRIT des données (``.npz`` sans pickle et
``.json``) que le juge (``autograder.correction.jugement.juge``), dans un autre processus, lit et juge.
Le code de l'étudiant peut tout changer dans ce noyau, y compris ces fonctions : il ne change
alors que les données, et des données fausses ne rapportent rien.

Format d'un relevé ``<nom>.json`` (+ ``<nom>.npz`` pour les tableaux) ::

    {"valeurs": {nom: description}, "erreur": null | {"ename": …, "evalue": …},
     "rng": description de np.random.get_state()}

où une description est ``{"type": "tableau", "cle": "a3"}``, ``{"type": "float", "valeur":
"0.1"}``, ``{"type": "ellipsis"}``, ``{"type": "reseau", "poids": [...],
"appels": [...] | null}``, ``{"type": "autre", "nom": "History"}``, etc.
"""

_TP_MAX_ELEMENTS = 2_000_000   # un tableau plus grand n'est pas relevé (« autre »)
_TP_MAX_ELEMENTS_LISTE = 2_000


def _tp_installer_releve(dossier_releves, dossier_entrees):
    """Définit ``_tp_relever``, ``_tp_injecter`` et ``_tp_variante`` dans l'espace du noyau."""
    import json
    import os

    import numpy as np

    espace = get_ipython().user_ns  # noqa: F821 (le noyau IPython de l'étudiant)
    os.makedirs(dossier_releves, exist_ok=True)

    def decrire(valeur, tableaux, profondeur=0):
        """Description JSON de ``valeur`` ; ses tableaux NumPy vont dans ``tableaux``."""
        def tableau(a, type_="tableau"):
            a = np.asarray(a)
            if a.dtype.kind not in "biuf" or a.size > _TP_MAX_ELEMENTS:
                return {"type": "autre", "nom": f"tableau {a.dtype} de {a.size} éléments"}
            cle = f"a{len(tableaux)}"
            tableaux[cle] = a
            return {"type": type_, "cle": cle}

        if valeur is Ellipsis:
            return {"type": "ellipsis"}
        if valeur is None:
            return {"type": "none"}
        if isinstance(valeur, bool):
            return {"type": "bool", "valeur": bool(valeur)}
        if isinstance(valeur, int):
            return {"type": "int", "valeur": str(int(valeur))}
        if isinstance(valeur, float):
            return {"type": "float", "valeur": repr(float(valeur))}
        if isinstance(valeur, str):
            return {"type": "str", "valeur": str(valeur)[:10_000]}
        if isinstance(valeur, np.ndarray):
            return tableau(valeur)
        if isinstance(valeur, np.generic):
            return tableau(valeur, "scalaire")
        if type(valeur).__name__ == "_Enregistreur" or hasattr(valeur, "get_weights"):
            return decrire_reseau(valeur, tableaux)
        if hasattr(valeur, "numpy") and hasattr(valeur, "shape"):  # tenseur TensorFlow
            return tableau(valeur.numpy())
        if profondeur < 3 and isinstance(valeur, (list, tuple)) and len(valeur) <= _TP_MAX_ELEMENTS_LISTE:
            return {"type": "liste" if isinstance(valeur, list) else "tuple",
                    "elements": [decrire(v, tableaux, profondeur + 1) for v in valeur]}
        if (profondeur < 3 and isinstance(valeur, dict) and len(valeur) <= 100
                and all(isinstance(k, str) for k in valeur)):
            return {"type": "dict", "elements": {k: decrire(v, tableaux, profondeur + 1) for k, v in valeur.items()}}
        return {"type": "autre", "nom": type(valeur).__name__}

    def decrire_reseau(reseau, tableaux):
        poids = [decrire(np.asarray(w), tableaux) for w in reseau.get_weights()]
        appels = None
        if isinstance(getattr(reseau, "appels", None), list):
            appels = [{"x": decrire(np.asarray(a[0], dtype=float), tableaux),
                       "t": decrire(np.asarray(a[1], dtype=float), tableaux),
                       "reussi": a[2] is not None} for a in reseau.appels[-50:]]
        return {"type": "reseau", "poids": poids, "appels": appels}

    def ecrire(nom, valeurs, erreur=None):
        tableaux = {}
        etat = np.random.get_state()
        description = {
            "valeurs": {n: decrire(v, tableaux) for n, v in valeurs.items()},
            "erreur": erreur,
            "rng": decrire(list(etat), tableaux),
        }
        chemin = os.path.join(dossier_releves, nom)
        np.savez(chemin + ".npz", **tableaux)
        with open(chemin + ".json", "w", encoding="utf-8") as f:
            json.dump(description, f)

    def erreur_de(e):
        return {"ename": type(e).__name__, "evalue": str(e)[:2_000]}

    def relever(nom, noms, extraction="", remplacements=None):
        """Exécute ``extraction`` (code fourni de la vérification, qui appelle le code de
        l'étudiant), puis relève les variables ``noms`` de l'espace du noyau."""
        ns = espace
        if remplacements:  # entrées choisies à la correction (p. ex. d'autres images), à part
            ns = dict(espace)
            ns.update(charger(remplacements))
        erreur = None
        if extraction:
            try:
                exec(compile(extraction, f"<vérification {nom}>", "exec"), ns)
            except BaseException as e:  # noqa: BLE001 (KeyboardInterrupt : délai dépassé)
                erreur = erreur_de(e)
        ecrire(nom, {n: ns[n] for n in noms if n in ns}, erreur)

    def charger(nom):
        """Valeurs de référence (simples tableaux et nombres) données par le correcteur."""
        with open(os.path.join(dossier_entrees, nom + ".json"), encoding="utf-8") as f:
            description = json.load(f)
        tableaux = np.load(os.path.join(dossier_entrees, nom + ".npz"), allow_pickle=False)
        valeurs = {}
        for n, (genre, v) in description.items():
            valeurs[n] = tableaux[v] if genre == "tableau" else v
        return valeurs

    def injecter(nom):
        """Correction sans pénalité en cascade : les valeurs de référence remplacent celles de
        l'étudiant pour la suite (son erreur ne coûte que dans son propre exercice)."""
        if os.path.exists(os.path.join(dossier_entrees, nom + ".json")):  # sans références : rien
            espace.update(charger(nom))

    def injecter_modele(nom):
        """Si l'entraînement de l'étudiant n'a pas fonctionné, le réseau de référence (mêmes
        couches, poids entraînés par le correcteur) sert aux exercices suivants."""
        try:
            ok = float(espace["historique"].history["loss"][-1]) < 0.7
        except Exception:  # noqa: BLE001
            ok = False
        if not ok and os.path.exists(os.path.join(dossier_entrees, nom + ".json")):
            poids = charger(nom)
            reseau = espace["create_unet"]()
            reseau.set_weights([poids[f"poids_{i}"] for i in range(len(poids))])
            espace["model"] = reseau

    def variante(nom, sources):
        """Relance des cellules de l'étudiant avec des paramètres tirés à la correction :
        ``sources`` = [(étiquette, source réécrite, valeurs à injecter avant, noms à relever)]."""
        import contextlib
        import io

        resultats = {}
        ns = dict(espace)
        for etiquette, source, a_injecter, noms in sources:
            if a_injecter:
                ns.update(charger(a_injecter))
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(source, f"<{etiquette}>", "exec"), ns)
            except BaseException as e:  # noqa: BLE001
                resultats[f"erreur_{etiquette}"] = f"{type(e).__name__} : {e}"[:500]
            for n in noms:
                if n in ns:
                    resultats[n] = ns[n]
        ecrire(nom, resultats)

    espace["_tp_relever"] = relever
    espace["_tp_injecter"] = injecter
    espace["_tp_injecter_modele"] = injecter_modele
    espace["_tp_variante"] = variante
