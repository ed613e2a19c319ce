/// The same two pages in each engine's language.
enum Keel {
    static let sources: [String: String] = [
        "layouts/base.html": "<!doctype html><html><head><title>{% block title %}{% endblock %}</title></head><body>{% block content %}{% endblock %}</body></html>",
        "fortunes.html": """
            {% extends "layouts/base" %}{% block title %}Fortunes{% endblock %}{% block content %}<table><tr><th>id</th><th>message</th></tr>\
            {% for f in fortunes %}<tr><td>{{ f.id }}</td><td>{{ f.message }}</td></tr>{% endfor %}</table>{% endblock %}
            """,
        "orders.html": """
            {% extends "layouts/base" %}{% block title %}Orders{% endblock %}{% block content %}<h1>Orders of {{ tenant }}</h1><table>\
            {% for o in orders %}<tr class="{% if o.refunded %}refunded{% else if o.paid %}paid{% else %}open{% endif %}">\
            <td><a href="/admin/orders/{{ o.id }}">#{{ o.number }}</a></td><td>{{ o.customer | truncate: 24 }}</td>\
            <td>{{ o.status | upper }}</td><td>{{ o.totalMinor | money: o.currency }}</td>\
            <td>{{ o.placedAt | date: "yyyy-MM-dd HH:mm" }}</td><td>{{ o.items }} {{ o.items | pluralize: "item", "items" }}</td></tr>\
            {% empty %}<tr><td>No orders</td></tr>{% endfor %}</table>{% endblock %}
            """,
    ]
}

enum MustacheSources {
    static let sources: [String: String] = [
        "base": "<!doctype html><html><head><title>{{$title}}{{/title}}</title></head><body>{{$content}}{{/content}}</body></html>",
        "fortunes": """
            {{<base}}{{$title}}Fortunes{{/title}}{{$content}}<table><tr><th>id</th><th>message</th></tr>\
            {{#fortunes}}<tr><td>{{id}}</td><td>{{message}}</td></tr>{{/fortunes}}</table>{{/content}}{{/base}}
            """,
        "orders": """
            {{<base}}{{$title}}Orders{{/title}}{{$content}}<h1>Orders of {{tenant}}</h1><table>\
            {{#orders}}<tr class="{{#refunded}}refunded{{/refunded}}{{^refunded}}{{#paid}}paid{{/paid}}{{^paid}}open{{/paid}}{{/refunded}}">\
            <td><a href="/admin/orders/{{id}}">#{{number}}</a></td><td>{{customerShort}}</td>\
            <td>{{statusUpper}}</td><td>{{total}}</td>\
            <td>{{placed}}</td><td>{{items}} {{itemsLabel}}</td></tr>\
            {{/orders}}{{^orders}}<tr><td>No orders</td></tr>{{/orders}}</table>{{/content}}{{/base}}
            """,
    ]
}

enum StencilSources {
    static let sources: [String: String] = [
        "base.html": "<!doctype html><html><head><title>{% block title %}{% endblock %}</title></head><body>{% block content %}{% endblock %}</body></html>",
        "fortunes.html": """
            {% extends "base.html" %}{% block title %}Fortunes{% endblock %}{% block content %}<table><tr><th>id</th><th>message</th></tr>\
            {% for f in fortunes %}<tr><td>{{ f.id }}</td><td>{{ f.message|escape }}</td></tr>{% endfor %}</table>{% endblock %}
            """,
        "orders.html": """
            {% extends "base.html" %}{% block title %}Orders{% endblock %}{% block content %}<h1>Orders of {{ tenant|escape }}</h1><table>\
            {% for o in orders %}<tr class="{% if o.refunded %}refunded{% elif o.paid %}paid{% else %}open{% endif %}">\
            <td><a href="/admin/orders/{{ o.id|escape }}">#{{ o.number }}</a></td><td>{{ o.customerShort|escape }}</td>\
            <td>{{ o.statusUpper|escape }}</td><td>{{ o.total|escape }}</td>\
            <td>{{ o.placed|escape }}</td><td>{{ o.items }} {{ o.itemsLabel|escape }}</td></tr>\
            {% empty %}<tr><td>No orders</td></tr>{% endfor %}</table>{% endblock %}
            """,
    ]
}
