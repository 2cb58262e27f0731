"""French translations of the eligibility, rule-set and loan-policy message ids.

To be merged into ``locale/fr/LC_MESSAGES/messages.po``; a test checks that every ``N_()``
message of those modules is listed here."""

FRENCH: dict[str, str] = {
    'A device is lent only for an active learning path: enroll the person first.':
        'Un matériel n’est prêté que pour un parcours pédagogique en cours : inscrivez d’abord la personne.',
    'A loan of kind “{kind}” cannot be renewed.':
        'Un prêt de type « {kind} » ne peut pas être prolongé.',
    'In the programme since {first}; it ends on {ends}.':
        'Dans le programme depuis le {first} ; il se termine le {ends}.',
    'In “{key}”, the default duration ({default} months) exceeds the maximum ({maximum} months).':
        'Dans « {key} », la durée par défaut ({default} mois) dépasse le maximum ({maximum} mois).',
    'Kind “{kind}” is handed over, not lent for a period: it has no due date.':
        'Le type « {kind} » est remis, pas prêté pour une durée : il n’a pas de date de retour.',
    'Kind “{kind}” is lent for {max_months} months at most: the due date can be {latest} at the latest, not {due}.':
        'Le type « {kind} » est prêté {max_months} mois au plus : la date de retour peut être au plus tard le {latest}, pas le {due}.',
    'Kind “{kind}”: last loan on {last}, the waiting period is over.':
        'Type « {kind} » : dernier prêt le {last}, le délai est écoulé.',
    'Kind “{kind}”: last loan on {last}; next one possible from {possible_on}.':
        'Type « {kind} » : dernier prêt le {last} ; prochain prêt possible à partir du {possible_on}.',
    'Kind “{kind}”: never lent to this person before.':
        'Type « {kind} » : jamais prêté à cette personne.',
    'Kind “{kind}”: no waiting period between two loans.':
        'Type « {kind} » : pas de délai entre deux prêts.',
    'Lives in {commune}, a served commune.':
        'Réside à {commune}, commune desservie.',
    'Missing setting “{key}”.':
        'Réglage manquant : « {key} ».',
    'No loan yet: the programme starts with the first one.':
        'Aucun prêt pour l’instant : le programme commence au premier.',
    'No partner organisation referred this person.':
        'Aucune structure partenaire n’a orienté cette personne.',
    'No unresolved loss.':
        'Aucune perte non réglée.',
    'Not eligible: {reasons}':
        'Non éligible : {reasons}',
    'Nothing was requested.':
        'Aucun matériel ni carte demandé.',
    'On loan to the household ({family}) with this request: {after}, limit {limit}.':
        'En prêt au foyer ({family}) avec cette demande : {after}, limite {limit}.',
    'On loan to the household ({family}): {active}, plus {requested} requested, over the limit of {limit}.':
        'En prêt au foyer ({family}) : {active}, plus {requested} demandé(s), au-delà de la limite de {limit}.',
    'On loan to the person ({family}) with this request: {after}, limit {limit}.':
        'En prêt à la personne ({family}) avec cette demande : {after}, limite {limit}.',
    'On loan to the person ({family}): {active}, plus {requested} requested, over the limit of {limit}.':
        'En prêt à la personne ({family}) : {active}, plus {requested} demandé(s), au-delà de la limite de {limit}.',
    'Referred by an active partner organisation on {date}.':
        'Orientée par une structure partenaire active le {date}.',
    'Renewed until {due}.':
        'Prolongé jusqu’au {due}.',
    'Request for {count} kind(s) of equipment.':
        'Demande portant sur {count} type(s) de matériel.',
    'SIM card':
        'carte SIM',
    'Someone is waiting for the kind “{kind}”: the loan cannot be renewed.':
        'Quelqu’un attend un matériel de type « {kind} » : le prêt ne peut pas être prolongé.',
    'Target public: {situation}.':
        'Public cible : {situation}.',
    'The address in {commune} is not in a priority area (QPV).':
        'L’adresse à {commune} n’est pas dans un quartier prioritaire (QPV).',
    'The due date ({due}) must come after the loan starts ({start}).':
        'La date de retour ({due}) doit être postérieure au début du prêt ({start}).',
    'The household limit “{key}” ({household}) is below the limit for one person ({person}).':
        'La limite par foyer « {key} » ({household}) est inférieure à la limite par personne ({person}).',
    'The loan serves an active learning path.':
        'Le prêt sert un parcours pédagogique en cours.',
    'The partner organisation that referred this person is not active.':
        'La structure partenaire qui a orienté cette personne n’est pas active.',
    'The programme does not target this situation: {situation}.':
        'Le dispositif ne vise pas cette situation : {situation}.',
    'The referral is dated in the future ({date}).':
        'La fiche d’orientation est datée dans le futur ({date}).',
    'The referral of {date} is older than {days} days.':
        'La fiche d’orientation du {date} date de plus de {days} jours.',
    'The rule set is not valid TOML: {error}.':
        'Le fichier de règles n’est pas du TOML valide : {error}.',
    'The rule set is not valid: {problems}':
        'Le jeu de règles n’est pas valide : {problems}',
    'The {months}-month programme that began on {first} ended on {ends}.':
        'Le programme de {months} mois commencé le {first} s’est terminé le {ends}.',
    'This loan was already renewed {done} time(s); the limit is {limit}.':
        'Ce prêt a déjà été prolongé {done} fois ; la limite est de {limit}.',
    'Turns {age} this year (minimum {minimum}).':
        'Atteint {age} ans cette année (minimum {minimum}).',
    'Turns {age} this year: the minimum is {minimum}, unless a guardian answers for the person.':
        'Atteint {age} ans cette année : le minimum est de {minimum} ans, sauf si un représentant légal répond de la personne.',
    'Under {minimum}, with a guardian.':
        'Moins de {minimum} ans, avec un représentant légal.',
    'Unknown setting “{key}”.':
        'Réglage inconnu : « {key} ».',
    'cash':
        'espèces',
    'cheque, not cashed':
        'chèque non encaissé',
    'connection cards':
        'cartes de connexion',
    'data top-up card':
        'recharge de données',
    'desktop computer':
        'ordinateur fixe',
    'devices':
        'matériels',
    'homeless':
        'sans domicile',
    'job seeker':
        'demandeur d’emploi',
    'laptop':
        'ordinateur portable',
    'mobile hotspot':
        'routeur 4G (clé wifi)',
    'other situation':
        'autre situation',
    'receiving minimum social benefits':
        'bénéficiaire des minima sociaux',
    'retired on a low income':
        'retraité à faibles revenus',
    'smartphone':
        'smartphone',
    'tablet':
        'tablette',
    'waived':
        'dispensé',
    'young person aged 16 to 25':
        'jeune de 16 à 25 ans',
    '{commune} is not a commune served here.':
        '{commune} ne fait pas partie des communes desservies.',
    '{count} lost or stolen item(s) not yet resolved.':
        '{count} objet(s) perdu(s) ou volé(s) non encore réglé(s).',
    '{spent} € of cards already this month: {amount} € more would exceed the {budget} € budget.':
        'Déjà {spent} € de cartes ce mois-ci : {amount} € de plus dépasseraient le budget de {budget} €.',
    '{total} € of cards this month, within the {budget} € budget.':
        '{total} € de cartes ce mois-ci, dans le budget de {budget} €.',
    '“{key}” must be a non-empty list of texts.':
        '« {key} » doit être une liste non vide de textes.',
    '“{key}” must be a non-empty text.':
        '« {key} » doit être un texte non vide.',
    '“{key}” must be a section of settings.':
        '« {key} » doit être une section de réglages.',
    '“{key}” must be a whole number, not “{value}”.':
        '« {key} » doit être un nombre entier, pas « {value} ».',
    '“{key}” must be an amount in euros, zero or more, not “{value}”.':
        '« {key} » doit être un montant en euros, positif ou nul, pas « {value} ».',
    '“{key}” must be at least {minimum}, not {value}.':
        '« {key} » doit valoir au moins {minimum}, pas {value}.',
    '“{key}” must be at most {maximum}, not {value}.':
        '« {key} » doit valoir au plus {maximum}, pas {value}.',
    '“{key}” must be true or false, not “{value}”.':
        '« {key} » doit valoir true (oui) ou false (non), pas « {value} ».',
    '“{value}” is not a known value for “{key}”; known values: {known}.':
        '« {value} » n’est pas une valeur connue pour « {key} » ; valeurs connues : {known}.',
}
