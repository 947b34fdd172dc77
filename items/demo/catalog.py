"""The demo content: test items, products and documents, each under a stable key."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from items.demo import images as img
from items.models import ItemKind, Language, Status

KO, EN, MIXED = Language.KOREAN, Language.ENGLISH, Language.MIXED
DRAFT, REVIEW, ARCHIVED = Status.DRAFT, Status.REVIEW, Status.ARCHIVED


@dataclass(frozen=True)
class ImageSpec:
    filename: str
    render: Callable[[], bytes]  # called only when the item is actually created
    caption: str
    alt_text: str
    page_number: int | None = None


@dataclass(frozen=True)
class ItemSpec:
    key: str
    kind: ItemKind
    title: str
    body: str
    subject: str
    language: Language
    tags: tuple[str, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    status: Status = Status.PUBLISHED
    images: tuple[ImageSpec, ...] = ()


@dataclass(frozen=True)
class Page:
    heading: str
    paragraphs: tuple[str, ...]
    header: str = ""
    stamp: str = ""
    serif: bool = True


def _seed(name: str) -> int:
    # crc32 rather than hash(): str hashes change per process, the images must not.
    return zlib.crc32(name.encode())


def figure(
    name: str, render: Callable[..., bytes], caption: str, alt: str, **options: Any
) -> ImageSpec:
    return ImageSpec(f"{name}.png", partial(render, **options), caption, alt)


def photo(
    name: str, render: Callable[..., bytes], caption: str, alt: str, **options: Any
) -> ImageSpec:
    render = partial(render, seed=_seed(name), **options)
    return ImageSpec(f"{name}.jpg", render, caption, alt)


def _choices(*options: str) -> str:
    marks = "①②③④⑤"
    return "\n".join(f"{marks[i]} {text}" for i, text in enumerate(options))


def answer_key(
    answer: str, grade: str, difficulty: str, unit: str, points: int, **extra: Any
) -> dict[str, Any]:
    """Test-item metadata: the correct choice, school year (중1-중3), 상/중/하, unit."""
    return {
        "answer": answer,
        "grade": grade,
        "difficulty": difficulty,
        "unit": unit,
        "points": points,
        **extra,
    }


def question(
    key: str,
    title: str,
    body: str,
    subject: str,
    *,
    tags: tuple[str, ...],
    language: Language = KO,
    status: Status = Status.PUBLISHED,
    meta: dict[str, Any],
    images: tuple[ImageSpec, ...] = (),
) -> ItemSpec:
    """A test item (문항); `meta` carries answer, grade, difficulty and unit."""
    return ItemSpec(
        key,
        ItemKind.TEST_ITEM,
        title,
        body,
        subject,
        language,
        tags,
        meta,
        status,
        images,
    )


def product(
    key: str,
    title: str,
    body: str,
    category: str,
    *,
    tags: tuple[str, ...],
    language: Language = MIXED,
    status: Status = Status.PUBLISHED,
    images: tuple[ImageSpec, ...] = (),
    **metadata: Any,
) -> ItemSpec:
    return ItemSpec(
        key,
        ItemKind.PRODUCT,
        title,
        body,
        category,
        language,
        tags,
        metadata,
        status,
        images,
    )


_PAGE_CAPTIONS = {
    KO: "{title} {n}쪽",
    EN: "{title}, page {n}",
    MIXED: "{title} {n}쪽 (page {n})",
}
_PAGE_ALTS = {
    KO: "'{heading}' 인쇄물을 스캔한 이미지 ({n}/{total}쪽)",
    EN: "Scan of the printed page '{heading}' ({n} of {total})",
    MIXED: "'{heading}' 스캔 이미지 / scanned page {n} of {total}",
}


def document(
    key: str,
    title: str,
    category: str,
    pages: tuple[Page, ...],
    *,
    tags: tuple[str, ...],
    language: Language = KO,
    status: Status = Status.PUBLISHED,
    scanned: bool = True,
    **metadata: Any,
) -> ItemSpec:
    """A document whose body is the text of its pages and whose images are their scans."""
    body = "\n\n".join(f"{p.heading}\n{img.page_text(p.paragraphs)}" for p in pages)
    scans = tuple(
        ImageSpec(
            filename=f"{key}-p{n}.jpg",
            render=partial(
                img.scanned_page,
                heading=page.heading,
                paragraphs=page.paragraphs,
                header=page.header,
                stamp=page.stamp,
                serif=page.serif,
                page_number=n if len(pages) > 1 else None,
                seed=_seed(f"{key}-{n}"),
            ),
            caption=_PAGE_CAPTIONS[language].format(title=title, n=n),
            alt_text=_PAGE_ALTS[language].format(
                heading=page.heading, n=n, total=len(pages)
            ),
            page_number=n,
        )
        for n, page in enumerate(pages, start=1)
        if scanned
    )
    metadata = {"pages": len(pages), **metadata}
    return ItemSpec(
        key,
        ItemKind.DOCUMENT,
        title,
        body,
        category,
        language,
        tags,
        metadata,
        status,
        scans,
    )


# --- test items (문항) ------------------------------------------------------------------

TEST_ITEMS: tuple[ItemSpec, ...] = (
    question(
        "math-triangle-01",
        "직각삼각형의 빗변의 길이 구하기",
        "그림 1과 같이 ∠B = 90°인 직각삼각형 ABC에서 AB = 6 cm, BC = 8 cm일 때, "
        "빗변 AC의 길이 x는?\n\n" + _choices("7 cm", "9 cm", "10 cm", "12 cm", "14 cm"),
        "수학",
        tags=("피타고라스 정리", "직각삼각형", "도형"),
        meta=answer_key("③", "중2", "하", "피타고라스 정리", 3),
        images=(
            figure(
                "math-triangle-01",
                img.right_triangle,
                "그림 1 직각삼각형 ABC",
                "∠B가 직각이고 AB = 6 cm, BC = 8 cm, 빗변 AC = x인 직각삼각형",
                base="8 cm",
                height="6 cm",
                hypotenuse="x",
                figure="그림 1",
            ),
        ),
    ),
    question(
        "math-linear-01",
        "일차함수 그래프의 기울기와 y절편",
        "그림은 일차함수 y = ax + b의 그래프이다. 상수 a, b에 대하여 a + b의 값은?\n\n"
        + _choices("−3", "−1", "0", "1", "3"),
        "수학",
        tags=("일차함수", "기울기", "y절편", "그래프"),
        meta=answer_key("④", "중2", "중", "일차함수와 그래프", 4),
        images=(
            figure(
                "math-linear-01",
                img.coordinate_plane,
                "그림 1 일차함수 y = ax + b의 그래프",
                "점 (0, −1)과 (2, 3)을 지나는 직선이 그려진 좌표평면",
                coefficients=(0, 2, -1),
                curve_label="y = ax + b",
                label_at=(2.7, 2.4),
                points=((0, -1, ""), (2, 3, "")),
                figure="그림 1",
            ),
        ),
    ),
    question(
        "math-parabola-01",
        "이차함수의 꼭짓점의 좌표",
        "그림은 이차함수 y = x² − 4x + 3의 그래프이다. 이 그래프의 꼭짓점 P의 좌표는?\n\n"
        + _choices("(−2, −1)", "(2, −1)", "(2, 1)", "(−2, 3)", "(1, 0)"),
        "수학",
        tags=("이차함수", "포물선", "꼭짓점"),
        meta=answer_key("②", "중3", "중", "이차함수의 그래프", 4),
        images=(
            figure(
                "math-parabola-01",
                img.coordinate_plane,
                "그림 1 y = x² − 4x + 3의 그래프",
                "x절편이 1과 3이고 꼭짓점 P가 표시된 아래로 볼록한 포물선",
                coefficients=(1, -4, 3),
                curve_label="y = x² − 4x + 3",
                label_at=(-4.7, 4.3),
                points=((2, -1, "P"), (1, 0, ""), (3, 0, "")),
                figure="그림 1",
            ),
        ),
    ),
    question(
        "math-inscribed-01",
        "원주각과 중심각의 관계",
        "그림과 같이 원 O에서 ∠AOB = 100°일 때, ∠ACB의 크기 x는?\n\n"
        + _choices("40°", "45°", "50°", "55°", "60°"),
        "수학",
        tags=("원주각", "중심각", "원의 성질"),
        meta=answer_key("③", "중3", "중", "원주각", 4),
        images=(
            figure(
                "math-inscribed-01",
                img.inscribed_angle,
                "그림 1 원 O와 원주각 ACB",
                "중심각 AOB가 100°이고 원 위의 점 C에서 원주각 x를 찾는 그림",
                central=100,
                central_label="100°",
                inscribed_label="x",
                figure="그림 1",
            ),
        ),
    ),
    question(
        "math-numberline-01",
        "수직선 위에 나타낸 부등식",
        "다음 중 그림 1의 수직선 위에 나타낸 x의 값의 범위를 부등식으로 바르게 나타낸 "
        "것은?\n\n"
        + _choices("−2 < x < 3", "−2 ≤ x < 3", "−2 < x ≤ 3", "−2 ≤ x ≤ 3", "x ≥ −2"),
        "수학",
        tags=("부등식", "수직선", "일차부등식"),
        meta=answer_key("②", "중2", "하", "일차부등식", 3),
        images=(
            figure(
                "math-numberline-01",
                img.number_line,
                "그림 1 수직선 위의 x의 값의 범위",
                "−2에 색칠한 점(●), 3에 빈 점(○)이 있고 그 사이가 연결된 수직선",
                start=-5,
                end=5,
                interval=(-2, True, 3, False),
                figure="그림 1",
            ),
        ),
    ),
    question(
        "math-table-01",
        "표를 보고 일차함수의 식 구하기",
        "다음 표는 일차함수 y = ax + b에서 x의 값에 따른 y의 값을 나타낸 것이다. "
        "표의 (가)에 알맞은 수는?\n\n" + _choices("12", "13", "14", "15", "16"),
        "수학",
        tags=("일차함수", "표", "규칙 찾기"),
        status=REVIEW,
        meta=answer_key("③", "중2", "하", "일차함수와 그래프", 3),
        images=(
            figure(
                "math-table-01",
                img.value_table,
                "〈표〉 x와 y의 관계",
                "x가 1부터 5까지일 때 y가 5, 8, 11, (가), 17인 표",
                header=("x", "1", "2", "3", "4", "5"),
                rows=(("y", "5", "8", "11", "(가)", "17"),),
                figure="〈표〉",
            ),
        ),
    ),
    question(
        "math-pie-01",
        "원그래프 해석: 좋아하는 운동",
        "그림은 어느 중학교 1학년 학생 200명이 가장 좋아하는 운동을 조사하여 원그래프로 "
        "나타낸 것이다. 축구를 가장 좋아하는 학생은 몇 명인가?\n\n"
        + _choices("60명", "70명", "80명", "90명", "100명"),
        "수학",
        tags=("통계", "원그래프", "비율"),
        meta=answer_key("②", "중1", "하", "자료의 정리와 해석", 3),
        images=(
            figure(
                "math-pie-01",
                img.pie_chart,
                "〈그림 1〉 좋아하는 운동",
                "축구 35%, 농구 25%, 배드민턴 20%, 수영 12%, 기타 8%인 원그래프",
                title="1학년 학생들이 좋아하는 운동",
                slices=(
                    ("축구", 35),
                    ("농구", 25),
                    ("배드민턴", 20),
                    ("수영", 12),
                    ("기타", 8),
                ),
                figure="〈그림 1〉",
            ),
        ),
    ),
    question(
        "sci-circuit-01",
        "직렬 회로에서 전류의 세기",
        "그림과 같이 전압이 12 V인 전원 장치에 2 Ω과 4 Ω의 저항을 직렬로 연결하였다. "
        "스위치를 닫았을 때 전류계에 흐르는 전류의 세기는?\n\n"
        + _choices("1 A", "2 A", "3 A", "4 A", "6 A"),
        "과학",
        tags=("전기", "옴의 법칙", "직렬연결", "회로"),
        meta=answer_key("②", "중2", "중", "전기와 자기", 4),
        images=(
            figure(
                "sci-circuit-01",
                img.circuit,
                "그림 1 저항의 직렬연결",
                "12 V 전지, 2 Ω과 4 Ω 저항, 전류계 A, 스위치 S가 직렬로 연결된 회로도",
                voltage="12 V",
                resistors=("2 Ω", "4 Ω"),
                figure="그림 1",
            ),
        ),
    ),
    question(
        "sci-circuit-02",
        "병렬 회로에서 전체 전류",
        "그림과 같이 전압이 6 V인 전원 장치에 3 Ω과 6 Ω의 저항을 병렬로 연결하였다. "
        "전류계에 흐르는 전체 전류의 세기는?\n\n"
        + _choices("1 A", "1.5 A", "2 A", "3 A", "4.5 A"),
        "과학",
        tags=("전기", "옴의 법칙", "병렬연결", "회로"),
        status=DRAFT,
        meta=answer_key("④", "중2", "상", "전기와 자기", 5),
        images=(
            figure(
                "sci-circuit-02",
                img.circuit,
                "그림 1 저항의 병렬연결",
                "6 V 전지에 3 Ω과 6 Ω 저항이 병렬로 연결되고 전류계가 있는 회로도",
                voltage="6 V",
                resistors=("3 Ω", "6 Ω"),
                parallel=True,
                figure="그림 1",
            ),
        ),
    ),
    question(
        "sci-heating-01",
        "얼음의 가열 곡선 해석",
        "그림은 얼음을 일정한 세기의 불꽃으로 가열하면서 시간에 따른 온도 변화를 나타낸 "
        "것이다. 구간 B에 대한 설명으로 옳은 것은?\n\n"
        + _choices(
            "물질의 온도가 계속 올라간다.",
            "고체와 액체가 함께 존재한다.",
            "물질이 열을 방출한다.",
            "기체만 존재한다.",
            "분자 사이의 거리가 줄어든다.",
        ),
        "과학",
        tags=("상태 변화", "녹는점", "끓는점", "그래프"),
        meta=answer_key("②", "중1", "중", "물질의 상태 변화", 4),
        images=(
            figure(
                "sci-heating-01",
                img.line_chart,
                "그림 1 얼음의 가열 곡선",
                "−20 °C에서 0 °C까지 오른 뒤 평평한 구간 B, 100 °C까지 오른 뒤 평평한 "
                "구간 D가 있는 온도-시간 그래프",
                title="얼음을 가열할 때의 온도 변화",
                points=((0, -20), (2, 0), (6, 0), (12, 100), (18, 100)),
                x_label="가열 시간(분)",
                y_label="온도(°C)",
                notes=((1, -10, "A"), (4, 0, "B"), (9, 50, "C"), (15, 100, "D")),
                figure="그림 1",
            ),
        ),
    ),
    question(
        "sci-motion-01",
        "시간-이동 거리 그래프로 속력 구하기",
        "그림은 직선 위를 운동하는 물체의 시간에 따른 이동 거리를 나타낸 것이다. "
        "이 물체의 속력은?\n\n"
        + _choices("2 m/s", "4 m/s", "5 m/s", "8 m/s", "10 m/s"),
        "과학",
        tags=("운동", "속력", "등속 운동", "그래프"),
        meta=answer_key("③", "중3", "하", "운동과 에너지", 3),
        images=(
            figure(
                "sci-motion-01",
                img.line_chart,
                "그림 1 시간에 따른 이동 거리",
                "0초에 0 m, 8초에 40 m인 직선 모양의 이동 거리-시간 그래프",
                title="물체의 이동 거리",
                points=((0, 0), (2, 10), (4, 20), (6, 30), (8, 40)),
                x_label="시간(s)",
                y_label="이동 거리(m)",
                figure="그림 1",
            ),
        ),
    ),
    question(
        "sci-photosynthesis-01",
        "광합성에 대한 학생들의 대화",
        "다음은 광합성에 대한 학생들의 대화이다. 옳게 말한 학생만을 있는 대로 고른 것은?\n\n"
        "민수: 광합성은 주로 잎의 엽록체에서 일어나.\n"
        "지아: 광합성 결과 산소와 포도당이 만들어져.\n"
        "현우: 광합성에는 빛이 필요하지 않아.\n\n"
        + _choices("민수", "현우", "민수, 지아", "지아, 현우", "민수, 지아, 현우"),
        "과학",
        tags=("광합성", "식물", "엽록체"),
        meta=answer_key("③", "중2", "하", "식물과 에너지", 3),
    ),
    question(
        "eng-graph-01",
        "Reading a bar graph: after-school clubs",
        "The graph shows the number of students in each after-school club. "
        "Which statement is true according to the graph?\n\n"
        + _choices(
            "The Drama Club has the most members.",
            "The Soccer Club has twice as many members as the Drama Club.",
            "The Art Club has more members than the Robotics Club.",
            "The Robotics Club has fewer members than the Art Club.",
            "Every club has more than 10 members.",
        ),
        "영어",
        tags=("graph", "reading", "도표 해석"),
        language=EN,
        meta=answer_key("②", "중2", "하", "Lesson 3 Clubs", 3),
        images=(
            figure(
                "eng-graph-01",
                img.bar_chart,
                "Figure 1 After-school club members",
                "Bar graph: Robotics 18, Drama 12, Soccer 24, Art 9 students",
                title="After-School Club Members",
                categories=("Robotics", "Drama", "Soccer", "Art"),
                values=(18, 12, 24, 9),
                x_label="Club",
                y_label="Students",
                figure="Figure 1",
            ),
        ),
    ),
    question(
        "eng-grammar-01",
        "Conditional sentences: present tense in the if-clause",
        "Choose the word that best completes the sentence.\n\n"
        "If it ______ tomorrow, we will stay home and watch a movie.\n\n"
        + _choices("rain", "rains", "rained", "will rain", "raining"),
        "영어",
        tags=("grammar", "conditional", "문법"),
        language=EN,
        meta=answer_key("②", "중2", "하", "Lesson 5 Weather", 2),
    ),
    question(
        "eng-reading-01",
        "Reading a schedule: summer camp",
        "Look at the summer camp schedule. What can students do on Wednesday "
        "morning?\n\n"
        + _choices(
            "Coding and English Debate",
            "Science Lab and Art",
            "Soccer",
            "A field trip",
            "A closing show",
        ),
        "영어",
        tags=("reading", "schedule", "실용문"),
        language=EN,
        meta=answer_key("②", "중1", "하", "Lesson 7 Summer Plans", 3),
        images=(
            figure(
                "eng-reading-01",
                img.value_table,
                "Figure 1 Summer camp schedule",
                "Timetable with morning and afternoon activities for Monday, Wednesday "
                "and Friday",
                title="Hanbit Summer Camp Schedule",
                header=("Time", "Monday", "Wednesday", "Friday"),
                rows=(
                    ("9:00–10:30", "Coding", "Science Lab", "Field Trip"),
                    ("10:45–12:00", "English Debate", "Art", "Field Trip"),
                    ("13:00–14:30", "Soccer", "Music", "Closing Show"),
                ),
                figure="Figure 1",
            ),
        ),
    ),
    question(
        "eng-vocab-01",
        "영영 풀이에 알맞은 단어 고르기",
        "다음 영영 풀이에 해당하는 단어로 가장 알맞은 것은?\n\n"
        "someone who travels to a place to look around and enjoy it\n\n"
        + _choices("tourist", "pilot", "farmer", "dentist", "author"),
        "영어",
        tags=("vocabulary", "어휘", "영영 풀이"),
        language=MIXED,
        meta=answer_key("①", "중1", "하", "Lesson 2 Travel", 2),
    ),
    question(
        "eng-dialogue-01",
        "도표를 보고 대화 완성하기",
        "다음 그림을 보고 대화의 빈칸에 들어갈 말로 가장 알맞은 것을 고르시오.\n\n"
        "A: What does the survey say about our class?\n"
        "B: ______\n\n"
        + _choices(
            "Most students come to school by car.",
            "Walking is the most common way to get to school.",
            "Nobody rides a bike to school.",
            "Bus riders are the smallest group.",
            "Half of the students take the bus.",
        ),
        "영어",
        tags=("dialogue", "graph", "의사소통"),
        language=MIXED,
        meta=answer_key("②", "중2", "중", "Lesson 4 My Town", 3),
        images=(
            figure(
                "eng-dialogue-01",
                img.pie_chart,
                "Figure 1 How we get to school",
                "Pie chart: Walk 40%, Bus 30%, Bike 20%, Car 10%",
                title="How We Get to School",
                slices=(("Walk", 40), ("Bus", 30), ("Bike", 20), ("Car", 10)),
                figure="Figure 1",
            ),
        ),
    ),
    question(
        "kor-poem-01",
        "시의 표현 방법 파악하기",
        "다음 시를 읽고 물음에 답하시오.\n\n"
        "골목 끝 작은 창문에\n저녁이 먼저 와 앉는다\n"
        "어머니는 불을 켜지 않고\n노을이 다 지기를 기다린다\n\n"
        "이 시에 대한 설명으로 가장 적절한 것은?\n\n"
        + _choices(
            "의인법을 활용하여 시간의 흐름을 표현하였다.",
            "반어적 표현으로 화자의 분노를 드러냈다.",
            "명령형 어미를 반복하여 리듬감을 살렸다.",
            "대화 형식으로 인물 간의 갈등을 보여 준다.",
            "계절의 변화를 통해 이별의 슬픔을 강조하였다.",
        ),
        "국어",
        tags=("시", "표현법", "의인법", "문학"),
        meta=answer_key("①", "중2", "중", "비유와 상징", 4, source="출제용 창작시"),
    ),
    question(
        "kor-grammar-01",
        "품사의 구별: 동사와 형용사",
        "다음 작은따옴표 안의 단어 중 품사가 나머지 넷과 다른 것은?\n\n"
        + _choices(
            "하늘이 '푸르다'.",
            "꽃이 '예쁘다'.",
            "아이가 '달린다'.",
            "바다가 '넓다'.",
            "방이 '따뜻하다'.",
        ),
        "국어",
        tags=("문법", "품사", "동사", "형용사"),
        status=REVIEW,
        meta=answer_key("③", "중1", "하", "품사의 종류", 2),
    ),
    question(
        "kor-data-01",
        "자료를 활용한 글쓰기: 독서량 그래프",
        "그림은 우리 학교 학생들의 한 달 평균 독서량을 학년별로 나타낸 것이다. 이 자료를 "
        "활용하여 '독서 습관 기르기'를 주제로 글을 쓰려고 할 때, 자료 해석으로 가장 "
        "적절한 것은?\n\n"
        + _choices(
            "학년이 올라갈수록 독서량이 줄어든다.",
            "2학년의 독서량이 가장 많다.",
            "3학년은 1학년보다 독서량이 많다.",
            "모든 학년의 독서량이 같다.",
            "1학년의 독서량은 3학년의 세 배이다.",
        ),
        "국어",
        tags=("쓰기", "자료 해석", "독서"),
        meta=answer_key("①", "중2", "하", "자료를 활용한 글쓰기", 3),
        images=(
            figure(
                "kor-data-01",
                img.bar_chart,
                "〈그림〉 학년별 한 달 평균 독서량",
                "1학년 4.2권, 2학년 3.1권, 3학년 2.3권인 막대그래프",
                title="학년별 한 달 평균 독서량",
                categories=("1학년", "2학년", "3학년"),
                values=(4.2, 3.1, 2.3),
                x_label="학년",
                y_label="독서량(권)",
                figure="〈그림〉",
            ),
        ),
    ),
    question(
        "soc-population-01",
        "도시의 인구 변화 그래프 해석",
        "그림은 어느 도시의 연도별 인구 변화를 나타낸 것이다. 이 자료에 대한 설명으로 "
        "옳은 것은?\n\n"
        + _choices(
            "1990년 이후 인구가 계속 증가하였다.",
            "2010년에 인구가 가장 많았다.",
            "2020년 인구는 1990년의 두 배 이상이다.",
            "2000년 인구는 60만 명을 넘었다.",
            "인구가 가장 적은 해는 2020년이다.",
        ),
        "사회",
        tags=("인구", "도시화", "그래프 해석"),
        meta=answer_key("②", "중1", "하", "인구 변화와 인구 문제", 3),
        images=(
            figure(
                "soc-population-01",
                img.bar_chart,
                "〈그림 1〉 연도별 인구 변화",
                "1990년 32만, 2000년 45만, 2010년 58만, 2020년 52만 명인 막대그래프",
                title="○○시의 인구 변화",
                categories=("1990년", "2000년", "2010년", "2020년"),
                values=(32, 45, 58, 52),
                x_label="연도",
                y_label="인구(만 명)",
                figure="〈그림 1〉",
            ),
        ),
    ),
    question(
        "soc-energy-01",
        "에너지원별 발전량 비율 해석",
        "그림은 어느 나라의 에너지원별 발전량 비율(가상 자료)을 나타낸 것이다. 이 자료에 "
        "대한 설명으로 옳은 것은?\n\n"
        + _choices(
            "원자력의 비율이 가장 높다.",
            "석탄과 천연가스를 합한 비율이 절반을 넘는다.",
            "신재생 에너지의 비율은 20% 이상이다.",
            "천연가스의 비율이 석탄보다 높다.",
            "원자력과 신재생 에너지를 합한 비율은 50%이다.",
        ),
        "사회",
        tags=("에너지", "자원", "원그래프"),
        meta=answer_key("②", "중3", "중", "자원의 분포와 이용", 4),
        images=(
            figure(
                "soc-energy-01",
                img.pie_chart,
                "〈그림 1〉 에너지원별 발전량 비율",
                "석탄 34%, 원자력 30%, 천연가스 27%, 신재생 9%인 원그래프",
                title="에너지원별 발전량 비율 (가상 자료)",
                slices=(("석탄", 34), ("원자력", 30), ("천연가스", 27), ("신재생", 9)),
                figure="〈그림 1〉",
            ),
        ),
    ),
    question(
        "soc-climate-01",
        "기온과 강수량으로 기후 구분하기",
        "표는 세 지역 (가)~(다)의 기온과 강수량을 나타낸 것이다. (나) 지역의 기후로 "
        "가장 적절한 것은?\n\n"
        + _choices(
            "열대 기후", "냉대 기후", "건조 기후", "툰드라 기후", "지중해성 기후"
        ),
        "사회",
        tags=("기후", "기온", "강수량", "표 해석"),
        status=ARCHIVED,
        meta=answer_key("①", "중1", "중", "다양한 기후 지역", 3),
        images=(
            figure(
                "soc-climate-01",
                img.value_table,
                "〈표〉 세 지역의 기온과 강수량",
                "(가), (나), (다) 지역의 1월·7월 평균 기온과 연 강수량을 정리한 표",
                header=("지역", "1월 기온(°C)", "7월 기온(°C)", "연 강수량(mm)"),
                rows=(
                    ("(가)", "-6.5", "24.8", "1,250"),
                    ("(나)", "25.9", "27.3", "2,400"),
                    ("(다)", "10.2", "18.5", "350"),
                ),
                figure="〈표〉",
            ),
        ),
    ),
)


# --- products ---------------------------------------------------------------------------

NAVY, WHITE_GLAZE = (32, 52, 96), (236, 234, 228)

PRODUCTS: tuple[ItemSpec, ...] = (
    product(
        "prod-mug-01",
        "에듀 세라믹 머그컵 350 ml / EDU Ceramic Mug",
        "학교 로고를 새길 수 있는 350 ml 세라믹 머그컵입니다. 전자레인지와 식기세척기에 "
        "사용할 수 있으며 두꺼운 벽이 음료의 온도를 오래 유지합니다.\n\n"
        "A 350 ml ceramic mug ready for your school logo. Microwave and dishwasher "
        "safe; the thick wall keeps drinks warm for longer.",
        "생활용품",
        tags=("머그컵", "mug", "굿즈", "기념품"),
        sku="EDU-MUG-350",
        model="EDU MUG 350",
        price_krw=12900,
        colors=["네이비", "화이트"],
        capacity_ml=350,
        material="세라믹",
        images=(
            photo(
                "prod-mug-01-navy",
                img.mug,
                "네이비 / Navy",
                "'EDU MUG' 로고가 인쇄된 네이비 머그컵",
                color=NAVY,
                label="EDU MUG",
                sublabel="350 ml",
            ),
            photo(
                "prod-mug-01-white",
                img.mug,
                "화이트 / White",
                "'EDU MUG' 로고가 인쇄된 흰색 머그컵",
                color=WHITE_GLAZE,
                label="EDU MUG",
                sublabel="350 ml",
            ),
        ),
    ),
    product(
        "prod-backpack-01",
        "스쿨핏 경량 백팩 22 L / SchoolFit Light Backpack",
        "무게 540 g의 가벼운 학생용 백팩입니다. 15인치 노트북 수납 칸과 생활 방수 원단, "
        "통기성 좋은 등판으로 등하교와 체험학습에 알맞습니다.\n\n"
        "A 540 g school backpack with a padded 15-inch laptop sleeve, water-resistant "
        "fabric and a breathable back panel.",
        "가방",
        tags=("백팩", "backpack", "책가방", "신학기"),
        sku="SF-BP-22L",
        model="SchoolFit 22",
        price_krw=49000,
        capacity_l=22,
        weight_g=540,
        colors=["블루", "차콜"],
        images=(
            photo(
                "prod-backpack-01-blue",
                img.backpack,
                "블루 / Blue",
                "주황색 지퍼와 'SCHOOLFIT' 패치가 있는 파란색 백팩",
                color=(46, 98, 178),
                accent=(245, 140, 40),
                label="SCHOOLFIT",
            ),
            photo(
                "prod-backpack-01-charcoal",
                img.backpack,
                "차콜 / Charcoal",
                "연두색 지퍼가 달린 차콜 색상 백팩",
                color=(62, 66, 74),
                accent=(160, 214, 60),
                label="SCHOOLFIT",
            ),
        ),
    ),
    product(
        "prod-sneakers-01",
        "런에스 220 러닝화 / RUN-S 220 Running Shoes",
        "쿠션감 있는 중창과 미끄럼 방지 밑창을 갖춘 체육 수업용 러닝화입니다. "
        "사이즈 220~280 mm.\n\n"
        "Light running shoes for PE classes with a cushioned midsole and a non-slip "
        "outsole. Sizes 220–280 mm.",
        "신발",
        tags=("운동화", "running shoes", "체육"),
        status=REVIEW,
        sku="RUNS-220-RD",
        model="RUN-S 220",
        price_krw=59000,
        sizes_mm=[220, 230, 240, 250, 260, 270, 280],
        images=(
            photo(
                "prod-sneakers-01",
                img.sneakers,
                "레드 / Red",
                "옆에서 본 빨간색 러닝화 한 켤레, 측면에 'RUN-S 220' 표기",
                color=(218, 72, 66),
                accent=(40, 44, 66),
                label="RUN-S 220",
            ),
        ),
    ),
    product(
        "prod-lamp-01",
        "루미 D5 LED 학습 스탠드 / LUMI-D5 LED Desk Lamp",
        "눈부심을 줄인 LED 학습용 스탠드입니다. 색온도 3000~6500 K 5단계, 밝기 "
        "10단계 조절.\n\n"
        "A low-glare LED desk lamp with five colour temperatures (3000–6500 K) and "
        "ten brightness levels. 9 W.",
        "학습 가전",
        tags=("스탠드", "desk lamp", "led", "조명"),
        sku="LUMI-D5-WH",
        model="LUMI-D5",
        price_krw=45000,
        power_w=9,
        color_temperature_k=[3000, 6500],
        images=(
            photo(
                "prod-lamp-01",
                img.desk_lamp,
                "화이트 / White",
                "따뜻한 빛을 비추는 흰색 관절형 LED 스탠드",
                color=(236, 236, 232),
                label="LUMI-D5",
            ),
        ),
    ),
    product(
        "prod-headphones-01",
        "에듀사운드 H2 무선 헤드폰",
        "온라인 수업과 듣기 평가 연습에 알맞은 무선 헤드폰입니다. 블루투스 5.3, 최대 "
        "30시간 재생, 청력 보호를 위한 85 dB 음량 제한 모드를 지원합니다.",
        "학습 기기",
        tags=("헤드폰", "무선", "듣기 평가"),
        language=KO,
        sku="ES-H2",
        model="EDU-SOUND H2",
        price_krw=79000,
        battery_hours=30,
        bluetooth="5.3",
        images=(
            photo(
                "prod-headphones-01-black",
                img.headphones,
                "블랙",
                "민트색 포인트가 있는 검은색 무선 헤드폰",
                color=(40, 44, 52),
                accent=(80, 200, 180),
                label="EDU-SOUND",
            ),
            photo(
                "prod-headphones-01-white",
                img.headphones,
                "화이트",
                "하늘색 포인트가 있는 흰색 무선 헤드폰",
                color=(232, 232, 236),
                accent=(70, 140, 220),
                label="EDU-SOUND",
            ),
        ),
    ),
    product(
        "prod-bottle-01",
        "스마트 물병 500 ml (온도 표시)",
        "뚜껑의 LED 화면에 음료 온도를 보여 주는 스마트 물병입니다. 이중 진공 구조로 "
        "보온 12시간, 보냉 24시간을 유지합니다.",
        "생활용품",
        tags=("물병", "텀블러", "스마트"),
        language=KO,
        sku="SB-500-TL",
        model="스마트 물병 500",
        price_krw=32000,
        capacity_ml=500,
        images=(
            photo(
                "prod-bottle-01",
                img.water_bottle,
                "틸 색상",
                "뚜껑에 24°C가 표시된 청록색 '스마트 물병'",
                color=(64, 160, 170),
                label="스마트 물병",
                sublabel="SMART BOTTLE · 500 ml",
            ),
        ),
    ),
    product(
        "prod-bottle-02",
        "EDU Steel Tumbler 600 ml",
        "A double-wall stainless steel tumbler for long school days. Keeps drinks "
        "cold for 24 hours; the lid shows the temperature at a glance.",
        "생활용품",
        tags=("tumbler", "water bottle", "텀블러"),
        language=EN,
        status=DRAFT,
        sku="ET-600-ST",
        model="EDU TUMBLER 600",
        price_krw=28000,
        capacity_ml=600,
        images=(
            photo(
                "prod-bottle-02",
                img.water_bottle,
                "Brushed steel",
                "Steel-grey tumbler with an 'EDU TUMBLER' band",
                color=(150, 156, 164),
                label="EDU TUMBLER",
                sublabel="STAINLESS · 600 ml",
            ),
        ),
    ),
    product(
        "prod-notebook-01",
        "공부 노트 A5 스프링 (80매)",
        "7 mm 줄 간격의 A5 스프링 노트입니다. 80 g/m² 미색 내지로 뒷비침이 적고, "
        "고무 밴드로 노트를 단단히 닫을 수 있습니다. 그린·코랄 두 가지 색상.",
        "문구",
        tags=("노트", "스프링 노트", "문구"),
        language=KO,
        sku="SN-A5-80",
        model="공부 노트 A5",
        price_krw=3500,
        sheets=80,
        colors=["그린", "코랄"],
        images=(
            photo(
                "prod-notebook-01-green",
                img.notebook,
                "그린",
                "'공부 노트' 라벨이 붙은 초록색 스프링 노트",
                color=(60, 140, 100),
                title="공부 노트",
                subtitle="A5 · 80매",
            ),
            photo(
                "prod-notebook-01-coral",
                img.notebook,
                "코랄",
                "'공부 노트' 라벨이 붙은 코랄색 스프링 노트",
                color=(232, 112, 96),
                title="공부 노트",
                subtitle="A5 · 80매",
            ),
        ),
    ),
    product(
        "prod-notebook-02",
        "Grid Notebook B5 — 5 mm squares",
        "A B5 notebook with 5 mm grid pages, ideal for maths, graphs and science "
        "sketches. 60 sheets of 100 g/m² paper that does not bleed through.",
        "문구",
        tags=("notebook", "grid", "stationery"),
        language=EN,
        sku="GN-B5-60",
        model="Grid B5",
        price_krw=4500,
        sheets=60,
        images=(
            photo(
                "prod-notebook-02",
                img.notebook,
                "Navy",
                "Navy spiral notebook labelled 'GRID NOTE'",
                color=NAVY,
                title="GRID NOTE",
                subtitle="B5 · 5 mm grid",
            ),
        ),
    ),
    product(
        "prod-calculator-01",
        "EDU-CALC 300 공학용 계산기 / Scientific Calculator",
        "252가지 함수를 지원하는 공학용 계산기로 중·고등학교 수학과 과학 수업에 "
        "알맞습니다. 태양광과 배터리 겸용.\n\n"
        "A scientific calculator with 252 functions for secondary maths and "
        "science. Solar and battery powered; approved for school exams.",
        "학습 기기",
        tags=("계산기", "calculator", "공학용"),
        sku="EC-300-BK",
        model="EDU-CALC 300",
        price_krw=24000,
        functions=252,
        power="태양광 + 배터리",
        exam_approved=True,
        images=(
            photo(
                "prod-calculator-01",
                img.calculator,
                "블랙 / Black",
                "화면에 3.14159265가 표시된 검은색 'EDU-CALC 300' 계산기",
                color=(40, 42, 48),
                model="EDU-CALC 300",
                display="3.14159265",
            ),
        ),
    ),
    product(
        "prod-calculator-02",
        "EDU-CALC 100 기본 계산기 (단종)",
        "사칙연산과 백분율 계산을 지원하는 기본 계산기입니다. 2024년 단종되어 "
        "EDU-CALC 300으로 대체되었습니다.",
        "학습 기기",
        tags=("계산기", "단종"),
        language=KO,
        status=ARCHIVED,
        sku="EC-100-BL",
        model="EDU-CALC 100",
        price_krw=9000,
        discontinued=True,
        replaced_by="EDU-CALC 300",
        images=(
            photo(
                "prod-calculator-02",
                img.calculator,
                "블루",
                "파란색 'EDU-CALC 100' 계산기",
                color=(52, 92, 160),
                model="EDU-CALC 100",
                display="1,250",
            ),
        ),
    ),
    product(
        "prod-tablet-01",
        "EDU-TAB 10 학습용 태블릿 / Learning Tablet",
        "10.1인치 화면의 학습용 태블릿입니다. 디지털 교과서와 학습 앱이 미리 설치되어 "
        "있고, 보호자 관리 모드로 사용 시간을 정할 수 있습니다.\n\n"
        "A 10.1-inch learning tablet with digital textbooks preinstalled and a "
        "parental mode for screen-time limits. 64 GB, Wi-Fi.",
        "학습 기기",
        tags=("태블릿", "tablet", "디지털 교과서"),
        sku="ET-10-64",
        model="EDU-TAB 10",
        price_krw=329000,
        storage_gb=64,
        colors=["스페이스 그레이", "실버"],
        images=(
            photo(
                "prod-tablet-01-gray",
                img.tablet,
                "스페이스 그레이 / Space gray",
                "앱 아이콘이 보이는 스페이스 그레이 'EDU-TAB 10' 태블릿",
                color=(96, 100, 108),
                label="EDU-TAB 10",
            ),
            photo(
                "prod-tablet-01-silver",
                img.tablet,
                "실버 / Silver",
                "실버 색상 'EDU-TAB 10' 태블릿",
                color=(206, 208, 212),
                label="EDU-TAB 10",
            ),
        ),
    ),
    product(
        "prod-license-01",
        "디지털 교과서 1년 이용권 (중학교 전 과목)",
        "중학교 전 과목 디지털 교과서와 문항 은행을 1년 동안 이용할 수 있는 "
        "이용권입니다. 구매 후 등록 코드가 문자로 발송됩니다.",
        "디지털 콘텐츠",
        tags=("이용권", "디지털 교과서", "문항 은행"),
        language=KO,
        sku="DT-LIC-1Y",
        price_krw=60000,
        delivery="문자 발송 등록 코드",
    ),
)


# --- documents ------------------------------------------------------------------------

SCHOOL_KO = "한빛중학교"
SCHOOL_EN = "Hanbit Middle School"

DOCUMENTS: tuple[ItemSpec, ...] = (
    document(
        "doc-notice-01",
        "2학기 현장체험학습 안내 (가정통신문)",
        "가정통신문",
        (
            Page(
                "2학기 현장체험학습 안내",
                (
                    "학부모님, 안녕하십니까? 가을을 맞아 가정에 건강과 행복이 가득하시기를 "
                    "기원합니다. 본교에서는 학생들이 교실 밖에서 배우고 체험할 수 있도록 "
                    "아래와 같이 2학기 현장체험학습을 실시하고자 합니다.",
                    "## 1. 일시 및 장소",
                    "• 일시: 2025년 10월 17일(금) 08:30 ~ 16:00",
                    "• 장소: 국립과천과학관 및 서울대공원",
                    "• 대상: 1학년 전체 학생 (8개 반, 224명)",
                    "## 2. 준비물",
                    "• 도시락, 물, 필기도구, 활동지(담임 선생님 배부), 편한 운동화",
                    "• 우천 시에도 실내 전시관을 중심으로 정상 진행합니다.",
                    "## 3. 경비",
                    "1인당 18,000원(입장료 및 버스 임차료)이며, 10월 10일(금)에 스쿨뱅킹으로 "
                    "출금됩니다. 교육급여 수급 가정 학생은 전액 지원됩니다.",
                ),
                header=f"{SCHOOL_KO} 가정통신문 제2025-41호",
            ),
            Page(
                "현장체험학습 참가 동의서",
                (
                    "## 4. 안전 교육",
                    "출발 전 담임 선생님이 교통 안전, 관람 예절, 비상 연락 방법에 대해 안전 "
                    "교육을 실시합니다. 학생들은 반드시 모둠별로 이동하며 정해진 집합 시간을 "
                    "지켜야 합니다.",
                    "## 5. 회신 안내",
                    "아래 동의서를 작성하여 10월 8일(수)까지 담임 선생님께 제출해 주시기 "
                    "바랍니다. 부득이하게 참가하지 못하는 학생은 학교에서 대체 학습을 "
                    "실시합니다.",
                    ">> 2025. 9. 29.",
                    f">> {SCHOOL_KO}장",
                    "## 참가 동의서",
                    "학년 / 반 / 번호:            학생 이름:",
                    "위 학생의 현장체험학습 참가에 (동의함 / 동의하지 않음)",
                    "보호자 성명:                    (서명)",
                ),
                header=f"{SCHOOL_KO} 가정통신문 제2025-41호",
                stamp="한빛중\n학교장",
            ),
        ),
        tags=("가정통신문", "현장체험학습", "동의서", "1학년"),
        doc_type="notice",
        issued="2025-09-29",
        issuer=f"{SCHOOL_KO} 교무부",
    ),
    document(
        "doc-notice-02",
        "Parent–Teacher Conference Week",
        "가정통신문",
        (
            Page(
                "Parent–Teacher Conference Week",
                (
                    "Dear parents and guardians,",
                    "We are pleased to invite you to our autumn Parent–Teacher Conference "
                    "Week. Each meeting lasts twenty minutes and is a chance to talk about "
                    "your child's progress, friendships and goals for the second semester.",
                    "## Dates and times",
                    "• Monday 3 November to Friday 7 November, 15:30 – 19:00",
                    "• Meetings take place in your child's homeroom classroom.",
                    "## How to book",
                    "Please book a time slot through the school app by Friday 31 October. "
                    "If none of the times suit you, write to your child's homeroom teacher "
                    "and we will arrange a phone or video call.",
                    "## Interpreters",
                    "Korean–English and Korean–Vietnamese interpreters are available on "
                    "request. Please mention this when you book.",
                    ">> Office of Academic Affairs",
                    f">> {SCHOOL_EN}",
                ),
                header=f"{SCHOOL_EN} · Notice 2025-44",
                serif=False,
            ),
        ),
        tags=("notice", "parents", "conference", "학부모 상담"),
        language=EN,
        doc_type="notice",
        issued="2025-10-20",
        issuer=f"{SCHOOL_EN} Office of Academic Affairs",
    ),
    document(
        "doc-lab-01",
        "산과 염기의 성질 알아보기 (실험 안내서)",
        "실험 안내",
        (
            Page(
                "실험 3. 산과 염기의 성질 알아보기",
                (
                    "## 실험 목표",
                    "여러 가지 용액에 지시약을 떨어뜨려 색 변화를 관찰하고, 용액을 산성, "
                    "중성, 염기성으로 분류할 수 있다.",
                    "## 준비물",
                    "• 묽은 염산, 식초, 증류수, 설탕물, 비눗물, 묽은 수산화 나트륨 수용액",
                    "• BTB 용액, 페놀프탈레인 용액, 리트머스 종이, 스포이트, 시험관 6개",
                    "## 안전 수칙",
                    "• 실험 중에는 반드시 보안경과 실험용 장갑을 착용한다.",
                    "• 용액이 피부에 묻으면 즉시 흐르는 물에 10분 이상 씻는다.",
                    "• 용액의 냄새를 맡을 때에는 손으로 바람을 일으켜 맡는다.",
                    "• 사용한 용액은 싱크대에 버리지 말고 폐액통에 모은다.",
                ),
                header="과학 2학년 · 물질의 특성 · 탐구 활동지",
                serif=False,
            ),
            Page(
                "실험 과정 및 결과 정리",
                (
                    "## 실험 과정",
                    "1) 시험관 6개에 각 용액을 5 mL씩 넣고 이름표를 붙인다.",
                    "2) 각 시험관에 BTB 용액을 2~3방울 떨어뜨리고 색 변화를 기록한다.",
                    "3) 새 시험관에 같은 용액을 넣고 페놀프탈레인 용액으로 같은 과정을 "
                    "반복한다.",
                    "4) 유리 막대로 용액을 찍어 푸른색, 붉은색 리트머스 종이에 묻혀 본다.",
                    "## 결과 정리",
                    "BTB 용액은 산성에서 노란색, 중성에서 초록색, 염기성에서 파란색을 "
                    "띤다. 페놀프탈레인 용액은 염기성 용액에서만 붉은색으로 변한다.",
                    "## 생각해 보기",
                    "우리 주변에서 산성 물질과 염기성 물질을 각각 세 가지씩 찾아 쓰고, "
                    "그렇게 생각한 까닭을 실험 결과와 연결하여 설명해 보자.",
                ),
                header="과학 2학년 · 물질의 특성 · 탐구 활동지",
                serif=False,
            ),
        ),
        tags=("실험", "산과 염기", "지시약", "안전 수칙"),
        doc_type="lab_guide",
        subject="과학",
        grade="중2",
    ),
    document(
        "doc-lab-02",
        "Science Lab Safety Rules",
        "실험 안내",
        (
            Page(
                "Science Lab Safety Rules",
                (
                    "Read these rules carefully before your first lab session. You and "
                    "your parent or guardian must sign the safety contract below.",
                    "• Wear safety goggles whenever chemicals, glassware or heat are used.",
                    "• Tie back long hair and keep bags and coats under the bench.",
                    "• Never eat, drink or taste anything in the laboratory.",
                    "• Report every spill, cut or burn to the teacher immediately.",
                    "• Point test tubes away from yourself and others while heating.",
                    "• Wash your hands with soap when the experiment is finished.",
                    "• Know where the eyewash station, fire blanket and exits are.",
                    "## Safety contract",
                    "I have read the rules above and I agree to follow them in every "
                    "science lesson.",
                    "Student name:                    Signature:",
                    "Parent or guardian:              Signature:",
                ),
                header=f"{SCHOOL_EN} · Science Department",
            ),
        ),
        tags=("lab safety", "science", "rules", "실험 안전"),
        language=EN,
        doc_type="lab_guide",
        subject="과학",
    ),
    document(
        "doc-syllabus-01",
        "2025학년도 2학기 3학년 수학 수업 계획서 (Syllabus)",
        "수업 계획서",
        (
            Page(
                "3학년 수학 수업 계획서 (Syllabus)",
                (
                    "## 과목 개요 (Course overview)",
                    "이번 학기에는 이차함수(quadratic functions), 삼각비(trigonometric "
                    "ratios), 원의 성질(properties of circles), 통계(statistics)를 "
                    "배웁니다. 개념을 실생활 문제에 적용하는 활동을 중심으로 수업합니다.",
                    "## 주차별 계획 (Weekly plan)",
                    "• 1~4주: 이차함수의 그래프와 활용 (graphs of y = ax² + bx + c)",
                    "• 5~8주: 삼각비와 그 활용 (sine, cosine, tangent)",
                    "• 9~12주: 원주각과 원의 성질 (inscribed angles)",
                    "• 13~16주: 대푯값과 산포도, 상관관계 (scatter plots)",
                    "• 17주: 학기 정리 및 프로젝트 발표",
                ),
                header=f"{SCHOOL_KO} 수학과 · 2025학년도 2학기",
            ),
            Page(
                "평가 계획 (Assessment)",
                (
                    "## 평가 비율",
                    "• 지필평가 (written exams) 60%: 중간고사 30%, 기말고사 30%",
                    "• 수행평가 (performance tasks) 40%: 수학 탐구 보고서 20%, "
                    "모둠 프로젝트 10%, 수업 참여 및 학습지 10%",
                    "## 수학 탐구 보고서",
                    "생활 속에서 이차함수나 통계로 설명할 수 있는 현상을 찾아 A4 3쪽 "
                    "이내의 보고서를 작성합니다. 제출 기한은 11월 21일(금)입니다.",
                    "## 준비물 및 안내",
                    "교과서, 공학용 계산기(scientific calculator), 모눈 노트를 매시간 "
                    "준비합니다. 질문은 수업 후 또는 학급 게시판을 이용해 주세요.",
                    ">> 담당 교사: 김서연 (수학과)",
                ),
                header=f"{SCHOOL_KO} 수학과 · 2025학년도 2학기",
            ),
        ),
        tags=("수업 계획서", "syllabus", "수학", "평가 계획"),
        language=MIXED,
        doc_type="syllabus",
        subject="수학",
        grade="중3",
        semester="2025-2",
    ),
    document(
        "doc-syllabus-02",
        "English Conversation II — Course Syllabus",
        "수업 계획서",
        (
            Page(
                "English Conversation II — Syllabus",
                (
                    "In this course you will practise everyday conversation through role "
                    "plays, short presentations and interviews. Every lesson ends with a "
                    "three-minute speaking task.",
                    "## Units",
                    "• Unit 1 Making plans with friends",
                    "• Unit 2 Asking for and giving directions",
                    "• Unit 3 Describing pictures and graphs",
                    "• Unit 4 Sharing opinions politely",
                    "## Assessment",
                    "Speaking test 40%, presentation 30%, portfolio 20%, participation 10%.",
                    "※ 수행평가 안내: 말하기 평가는 12월 첫째 주에 1:1 인터뷰 방식으로 "
                    "진행합니다. 평가 기준표는 학급 게시판에서 확인할 수 있습니다.",
                    ">> Teacher: Daniel Park",
                ),
                header=f"{SCHOOL_EN} · English Department · Fall 2025",
                serif=False,
            ),
        ),
        tags=("syllabus", "english", "speaking", "수행평가"),
        language=MIXED,
        doc_type="syllabus",
        subject="영어",
        grade="중2",
    ),
    document(
        "doc-guide-01",
        "EDU-TAB 10 빠른 시작 안내서 / Quick Start Guide",
        "안내서",
        (
            Page(
                "EDU-TAB 10 빠른 시작 안내서",
                (
                    "## 구성품",
                    "• EDU-TAB 10 본체, USB-C 충전 케이블, 20 W 충전기, 보호 케이스",
                    "## 처음 켜기",
                    "1) 오른쪽 위의 전원 버튼을 3초 동안 누릅니다.",
                    "2) 언어와 Wi-Fi를 선택한 다음 학교에서 받은 계정으로 로그인합니다.",
                    "3) 디지털 교과서 앱이 자동으로 내려받아질 때까지 충전기를 연결해 "
                    "두세요.",
                    "## 보호자 관리 모드",
                    "설정 > 보호자 관리에서 하루 사용 시간과 사용할 수 있는 앱을 정할 수 "
                    "있습니다. 비밀번호는 보호자만 알 수 있도록 설정해 주세요.",
                ),
                header="EDU-TAB 10 · 모델명 ET-10-64",
                serif=False,
            ),
            Page(
                "EDU-TAB 10 Quick Start Guide",
                (
                    "## In the box",
                    "• EDU-TAB 10 tablet, USB-C cable, 20 W charger, protective case",
                    "## Getting started",
                    "1) Press and hold the power button on the top right for three seconds.",
                    "2) Choose your language and Wi-Fi network, then sign in with the "
                    "account your school gave you.",
                    "3) Keep the tablet charging while the digital textbooks download.",
                    "## Care and safety",
                    "Use only the supplied charger. Do not leave the tablet in a hot car "
                    "or in direct sunlight. Clean the screen with a soft, dry cloth.",
                    "## Support",
                    "Visit the EDU-TAB help centre or ask your school's IT coordinator.",
                ),
                header="EDU-TAB 10 · Model ET-10-64",
                serif=False,
            ),
        ),
        tags=("quick start", "태블릿", "edu-tab 10", "사용 설명서"),
        language=MIXED,
        doc_type="guide",
        related_sku="ET-10-64",
    ),
    document(
        "doc-guide-02",
        "도서관 이용 안내",
        "안내서",
        (
            Page(
                "도서관 이용 안내",
                (
                    "## 이용 시간",
                    "• 학기 중: 월~금 08:00 ~ 17:30 (점심시간 12:30 ~ 13:20 포함)",
                    "• 방학 중: 월~목 09:00 ~ 15:00 (공휴일 휴관)",
                    "## 대출 및 반납",
                    "• 1인 3권, 14일 동안 빌릴 수 있으며 한 번 연장할 수 있습니다.",
                    "• 반납이 늦어지면 늦어진 날수만큼 대출이 정지됩니다.",
                    "• 참고 도서와 정기 간행물은 도서관 안에서만 볼 수 있습니다.",
                    "## 이용 예절",
                    "도서관에서는 조용히 대화하고 음식물을 가지고 들어오지 않습니다. "
                    "책을 훼손하거나 잃어버린 경우 같은 책으로 변상해야 합니다.",
                    "## 독서 프로그램",
                    "매월 셋째 주 수요일에는 작가와의 만남, 독서 토론 동아리, 북 큐레이션 "
                    "전시가 열립니다. 자세한 내용은 도서관 게시판을 확인하세요.",
                ),
                header=f"{SCHOOL_KO} 도서관",
            ),
        ),
        tags=("도서관", "대출", "이용 안내"),
        doc_type="guide",
    ),
    document(
        "doc-policy-01",
        "2025학년도 수행평가 기준 안내",
        "평가 안내",
        (
            Page(
                "2025학년도 수행평가 기준 안내",
                (
                    "수행평가는 학생이 수업 시간에 배운 내용을 실제로 적용하는 과정과 "
                    "결과를 평가합니다. 모든 수행평가는 수업 시간 안에 실시하며, 과제형 "
                    "평가는 하지 않습니다.",
                    "## 평가 원칙",
                    "• 평가 기준과 채점 기준표는 평가 2주 전까지 미리 안내합니다.",
                    "• 결시한 학생은 인정 결시인 경우 별도 일정으로 평가합니다.",
                    "• 채점 결과는 평가 후 1주일 안에 학생에게 확인받습니다.",
                    "## 이의 신청",
                    "채점 결과에 의문이 있는 학생은 결과 확인 후 3일 안에 해당 교과 "
                    "선생님께 이의 신청서를 제출할 수 있습니다.",
                    ">> 2025. 3. 4.",
                    f">> {SCHOOL_KO} 학업성적관리위원회",
                ),
                header=f"{SCHOOL_KO} 학업성적관리규정 별첨 2",
            ),
        ),
        tags=("수행평가", "평가 기준", "학업성적관리"),
        status=REVIEW,
        doc_type="policy",
        issued="2025-03-04",
    ),
    document(
        "doc-exam-01",
        "2학기 기말고사 시간표 및 유의 사항",
        "가정통신문",
        (
            Page(
                "2학기 기말고사 시간표 및 유의 사항",
                (
                    "## 시험 시간표",
                    "• 12월 8일(월): 1교시 국어, 2교시 과학, 3교시 기술·가정",
                    "• 12월 9일(화): 1교시 수학, 2교시 사회, 3교시 한문",
                    "• 12월 10일(수): 1교시 영어, 2교시 역사, 3교시 정보",
                    "## 유의 사항",
                    "• 08:30까지 등교하여 자리에 앉아 있어야 합니다.",
                    "• 휴대 전화와 전자 기기는 시험 전에 모두 제출합니다.",
                    "• 답안지는 컴퓨터용 사인펜으로 작성하며, 수정 테이프를 사용할 수 "
                    "있습니다.",
                    "• 부정행위가 적발되면 해당 과목은 0점 처리됩니다.",
                    "가정에서도 자녀가 규칙적인 생활로 시험을 잘 준비할 수 있도록 지도해 "
                    "주시기 바랍니다.",
                    ">> 2025. 11. 24.",
                    f">> {SCHOOL_KO}장",
                ),
                header=f"{SCHOOL_KO} 가정통신문 제2025-52호",
                stamp="한빛중\n학교장",
            ),
        ),
        tags=("기말고사", "시간표", "시험 유의 사항"),
        doc_type="notice",
        issued="2025-11-24",
    ),
    document(
        "doc-newsletter-01",
        "Hanbit Monthly — October Newsletter",
        "소식지",
        (
            Page(
                "Hanbit Monthly — October",
                (
                    "## Science fair winners",
                    "Congratulations to the 2nd-grade team whose water-filter project won "
                    "a silver prize at the city science fair. Their poster is on display "
                    "in the main hall.",
                    "## New reading corner",
                    "The library has opened a cosy reading corner with 300 new English "
                    "graded readers. Students can borrow two of them at a time.",
                    "## Sports day",
                    "Thank you to all families who cheered at sports day. Class 3-2 won "
                    "the relay and Class 1-5 won the tug of war.",
                    "## Coming up in November",
                    "• 3–7 Nov: Parent–Teacher Conference Week",
                    "• 14 Nov: School festival rehearsal",
                    "• 21 Nov: Maths research reports due",
                ),
                header=f"{SCHOOL_EN} · Newsletter No. 7",
                serif=False,
            ),
        ),
        tags=("newsletter", "school news", "소식지"),
        language=EN,
        status=DRAFT,
        doc_type="newsletter",
        issued="2025-10-31",
    ),
    document(
        "doc-minutes-01",
        "학부모회 정기 회의록 (2025년 3월)",
        "회의록",
        (
            Page(
                "학부모회 정기 회의록",
                (
                    "일시: 2025년 3월 21일(금) 19:00, 장소: 본관 2층 회의실, 참석: 18명",
                    "## 안건 1. 2025학년도 학부모회 임원 선출",
                    "회장 1명, 부회장 2명, 감사 1명을 선출하였다.",
                    "## 안건 2. 등굣길 교통 안전 봉사",
                    "매주 월·수·금 08:00~08:40에 정문 앞 횡단보도에서 봉사하기로 하였다.",
                    "## 안건 3. 학교 축제 지원",
                    "축제 먹거리 부스 운영은 안전 문제로 하지 않고, 사진 부스를 운영하기로 "
                    "하였다.",
                ),
            ),
        ),
        scanned=False,
        tags=("학부모회", "회의록", "교통 안전"),
        status=ARCHIVED,
        doc_type="minutes",
        issued="2025-03-21",
    ),
)

CATALOG: tuple[ItemSpec, ...] = (*TEST_ITEMS, *PRODUCTS, *DOCUMENTS)
