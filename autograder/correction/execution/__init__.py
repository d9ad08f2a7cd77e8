"""Deuxième étape : une remise produit ses données. Le carnet d'exécution (``carnet_execution``)
remplace chaque vérification par un relevé (``releve_noyau``, format et relecture : ``releves``) ;
le noyau de l'étudiant l'exécute dans son bac à sable (``sandbox``). Les préprocesseurs nbgrader
des deux temps (``preprocesseurs`` : ``ExecuterReleves``, puis ``Juger``, qui attend le juge
lancé dès le début de l'exécution) sont ici."""
